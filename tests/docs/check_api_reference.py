#!/usr/bin/env python3
"""Checks docs/api.md against the public headers so the reference cannot drift.

Every public name a header declares at namespace scope in tg (free functions, operators,
classes, structs, enums, type aliases and constants; not the detail:: or testing::
namespaces, not forward declarations) must have a row in that header's section of
docs/api.md, every row must name something the header still declares, and the
"Tensor method" column must say `yes` exactly for the free functions that Tensor also has as
a member. Fails listing every difference.

  check_api_reference.py SOURCE_DIR             check, exit 1 on any difference
  check_api_reference.py SOURCE_DIR --skeleton  print a section skeleton for every header
"""
import pathlib
import re
import sys

INCLUDE_DIRS = ["autograd/include", "nn/include", "nn/dist/include", "estimators/include", "include"]
HIDDEN_NAMESPACES = {"detail", "testing"}


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    # String literals keep their text unless it holds a character the scanner reads.
    text = re.sub(r'"(?:\\.|[^"\\])*"',
                  lambda m: '""' if re.search(r"[{}();]", m.group(0)) else m.group(0), text)
    return re.sub(r"^\s*#[^\n]*", " ", text, flags=re.M)


def strip_template_head(statement):
    """Drops a leading `template <...>` (balanced angles) and attributes."""
    statement = re.sub(r"\[\[.*?\]\]", " ", statement).strip()
    while statement.startswith("template"):
        start = statement.index("<")
        depth = 0
        for i in range(start, len(statement)):
            depth += {"<": 1, ">": -1}.get(statement[i], 0)
            if depth == 0:
                statement = statement[i + 1:].strip()
                break
    return statement


def function_name(statement):
    """The declared function's name, or None if the statement declares none."""
    s = re.sub(r"decltype\s*\([^()]*\)", "auto", strip_template_head(statement))
    m = re.search(r"\boperator\s*(\(\)|[^\s(]+)\s*\(", s)
    if m:
        return "operator" + m.group(1)
    depth = 0
    for i, c in enumerate(s):
        depth += {"<": 1, ">": -1}.get(c, 0)
        if c == "=" and depth == 0:
            return None
        if c == "(" and depth == 0:
            m = re.search(r"(~?\w+)\s*$", s[:i])
            return m.group(1) if m else None
    return None


def declarations(text):
    """Yields (qualified name, kind, signature) for a header, and Tensor's member names."""
    text = strip_comments(text)
    found = []
    tensor_members = set()
    # Each scope: [kind, qualified parts, public, class name]
    scopes = [["file", [], True, None]]
    buffer = ""
    paren = 0

    def record(name, kind, signature):
        scope = scopes[-1]
        if scope[0] == "ns" and scope[2]:
            found.append(("::".join(scope[1] + [name]), kind, " ".join(signature.split())))

    for c in text:
        scope = scopes[-1]
        if scope[0] == "skip":
            if c == "{":
                scopes.append(["skip", [], False, None])
            elif c == "}":
                scopes.pop()
            continue
        if c == "(":
            paren += 1
        elif c == ")":
            paren -= 1
        if c == "{" and paren == 0:
            head = " ".join(buffer.split())
            ns = re.fullmatch(r"(?:inline\s+)?namespace\s*([\w:]*)", head)
            kind_match = re.match(
                r"(?:template\s*<.*>\s*)?(class|struct|union|enum\s+class|enum)\s+(\w+)", head)
            if ns:
                parts = [p for p in ns.group(1).split("::") if p]
                public = scope[2] and not (set(parts) & HIDDEN_NAMESPACES) and bool(parts)
                scopes.append(["ns", scope[1] + parts, public, None])
                buffer = ""
            elif kind_match and "(" not in head.split(":")[0]:
                kind = kind_match.group(1).split()[0]
                record(kind_match.group(2), kind, head)
                if kind == "enum":
                    scopes.append(["skip", [], False, None])
                else:
                    default_public = kind != "class"
                    scopes.append(["class", [], default_public,
                                   kind_match.group(2) if scope[0] == "ns" else None,
                                   scope[1] == ["tg"]])
                buffer = "\x00"  # the rest of the statement (`};`) declares nothing
            elif "(" in head and not re.search(r"=\s*$", head):
                name = function_name(head)
                if scope[0] == "ns" and name:
                    record(name, "function", head)
                elif (scope[0] == "class" and scope[2] and scope[3] == "Tensor"
                      and scope[4] and name):
                    tensor_members.add(name)
                scopes.append(["skip", [], False, None])
                buffer = ""
            else:  # a braced initialiser: part of the statement
                scopes.append(["skip", [], False, None])
                buffer += "{}"
            continue
        if c == "}" and paren == 0:
            scopes.pop()
            buffer = "" if scope[0] == "ns" else "\x00"
            continue
        buffer += c
        stripped = buffer.strip().replace("\x00", "").strip()
        if scope[0] == "class" and stripped in ("public:", "private:", "protected:"):
            scope[2] = stripped == "public:"
            buffer = ""
            continue
        if c == ";" and paren == 0:
            statement = " ".join(stripped[:-1].split())
            buffer = ""
            if not statement or "\x00" in statement:
                continue
            alias = re.match(r"using\s+(\w+)\s*=", statement)
            if re.fullmatch(r"(class|struct|union)\s+\w+", statement):
                continue  # a forward declaration
            if scope[0] == "ns":
                if alias:
                    record(alias.group(1), "alias", statement)
                    continue
                name = function_name(statement)
                if name:
                    record(name, "function", statement)
                elif "=" in statement:
                    m = re.search(r"(\w+)\s*=", statement)
                    record(m.group(1), "constant", statement)
            elif scope[0] == "class" and scope[2] and scope[3] == "Tensor" and scope[4]:
                name = function_name(statement)
                if name:
                    tensor_members.add(name)
    return found, tensor_members


def public_headers(source):
    for include in INCLUDE_DIRS:
        root = source / include
        for path in sorted(root.rglob("*.hpp")):
            yield path.relative_to(root).as_posix(), path


def scan(source):
    per_header = {}
    tensor_members = set()
    for header, path in public_headers(source):
        found, members = declarations(path.read_text())
        tensor_members |= members
        per_header[header] = found
    return per_header, tensor_members


def documented(api_md):
    """{header: {name: tensor-method cell}} from docs/api.md's sections and table rows."""
    sections = {}
    current = None
    for line in api_md.splitlines():
        heading = re.match(r"^## `([^`]+\.hpp)`", line)
        if heading:
            current = sections.setdefault(heading.group(1), {})
            continue
        row = re.match(r"^\| `([^`]+)` \|(.*)\|\s*$", line)
        if row and current is not None:
            cells = [cell.strip() for cell in row.group(2).split("|")]
            current[row.group(1)] = cells[-1]
    return sections


def tensor_method(name, kind, tensor_members):
    if kind != "function":
        return "—"
    return "yes" if name.split("::")[-1] in tensor_members else "no"


def skeleton(per_header, tensor_members):
    for header, found in per_header.items():
        if not found:
            continue
        print(f"## `{header}`\n\n| Name | Signature | Tensor method |\n|---|---|---|")
        rows = {}
        for name, kind, signature in found:
            rows.setdefault((name, kind), []).append(signature)
        for (name, kind), signatures in rows.items():
            cell = "<br>".join(f"`{s}`" for s in signatures)
            print(f"| `{name}` | {cell} | {tensor_method(name, kind, tensor_members)} |")
        print()


def main():
    source = pathlib.Path(sys.argv[1])
    per_header, tensor_members = scan(source)
    if len(sys.argv) > 2 and sys.argv[2] == "--skeleton":
        skeleton(per_header, tensor_members)
        return 0
    if len(tensor_members) < 10 or sum(len(f) for f in per_header.values()) < 100:
        print("check_api_reference: the header scan found too little; is SOURCE_DIR right?")
        return 1
    docs = documented((source / "docs/api.md").read_text())
    problems = []
    for header, found in per_header.items():
        want = {}
        for name, kind, _ in found:
            want[name] = tensor_method(name, kind, tensor_members)
        have = docs.get(header, {})
        for name in sorted(set(want) - set(have)):
            problems.append(f"{header}: `{name}` is declared but not in docs/api.md")
        for name in sorted(set(have) - set(want)):
            problems.append(f"{header}: `{name}` is in docs/api.md but no longer declared")
        for name in sorted(set(want) & set(have)):
            if want[name] != have[name]:
                problems.append(f"{header}: `{name}`'s Tensor method column says "
                                f"'{have[name]}', expected '{want[name]}'")
    for header in sorted(set(docs) - set(per_header)):
        problems.append(f"docs/api.md has a section for `{header}`, which is not a public header")
    names = sum(len({n for n, _, _ in f}) for f in per_header.values())
    if problems:
        print("\n".join(problems))
        print(f"check_api_reference: {len(problems)} difference(s) between the headers and "
              "docs/api.md (run with --skeleton for the rows)")
        return 1
    print(f"check_api_reference: {names} public names in {len(per_header)} headers, all "
          "documented")
    return 0


if __name__ == "__main__":
    sys.exit(main())
