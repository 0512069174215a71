#!/usr/bin/env python3
"""Turns every ```cpp block of the given Markdown pages into a C++ translation unit.

Convention (see tests/docs/README.md):
- each block becomes one translation unit: common standard headers, the block's own
  #include lines, the page's prelude (tests/docs/prelude/<page>.hpp, if present: the names
  a snippet takes as given), then the block;
- top-level declarations of the block (struct, class, enum, union, namespace, template,
  using, typedef, function definitions) stay at namespace scope; the other statements become
  the body of a lambda inside a function, so fragments such as `auto x = f(); use(x);` or
  `if (!plan) return plan.error();` compile as written;
- `<!-- snippet: skip -->` on the line before a block leaves it out (for pseudo-code);
- `#line` directives point compiler errors at the Markdown file and line.

Prints the generated file paths, one per line. Files are rewritten only when their contents
change, and stale ones are removed, so a rebuild compiles only what changed.
"""
import argparse
import os
import re
import sys

COMMON_HEADERS = [
    "algorithm", "array", "charconv", "cstddef", "cstdint", "cstdio", "cstring", "map",
    "memory", "optional", "string", "string_view", "system_error", "tuple", "unordered_map",
    "utility", "vector",
]

DECLARATION = re.compile(
    r"^(template\b|struct\b|class\b|enum\b|union\b|namespace\b|using\b|typedef\b|extern\b|"
    r"static_assert\b|inline\s+(?!static\b)[\w:<>]+\s+[\w:]+\s*\()")
CONTROL = re.compile(r"^(if|for|while|switch|return|do|else|case|default|auto|static)\b")
FUNCTION = re.compile(r"^[\w:<>,*&\s]+?[\w:~]+\s*\([^=;]*\)\s*(const\s*)?(noexcept\s*)?(->\s*[\w:<>, ]+)?\{")


def code_only(line, state):
    """The line without comments and literal contents; `state` carries /* */ across lines."""
    out = []
    i = 0
    while i < len(line):
        if state["comment"]:
            end = line.find("*/", i)
            if end < 0:
                return "".join(out)
            state["comment"] = False
            i = end + 2
            continue
        c = line[i]
        if line.startswith("//", i):
            break
        if line.startswith("/*", i):
            state["comment"] = True
            i += 2
            continue
        if c in "\"'":
            j = i + 1
            while j < len(line) and line[j] != c:
                j += 2 if line[j] == "\\" else 1
            out.append(c + c)
            i = j + 1
            continue
        out.append(c)
        i += 1
    return "".join(out)


def split_block(lines, first_line):
    """Splits a block into (includes, declarations, statements), each a list of
    (markdown line number, text) chunks."""
    includes, declarations, statements = [], [], []
    state = {"comment": False}
    depth = 0
    chunk = []
    chunk_start = 0
    for offset, line in enumerate(lines):
        number = first_line + offset
        code = code_only(line, state).strip()
        if depth == 0 and not chunk:
            if code.startswith("#"):
                includes.append((number, [line]))
                continue
            if not code:
                continue
            chunk_start = number
        chunk.append(line)
        depth += code.count("{") + code.count("(") - code.count("}") - code.count(")")
        if depth <= 0 and (code.endswith(";") or code.endswith("}")):
            depth = 0
            head = code_only(chunk[0], {"comment": False}).strip()
            joined = " ".join(code_only(l, {"comment": False}).strip() for l in chunk)
            is_declaration = bool(DECLARATION.match(head)) or (
                not CONTROL.match(head) and bool(FUNCTION.match(joined)) and "=" not in joined.split("(")[0])
            (declarations if is_declaration else statements).append((chunk_start, chunk))
            chunk = []
    if chunk:
        statements.append((chunk_start, chunk))
    return includes, declarations, statements


def blocks_of(path):
    """(first line number, lines) of each compiled ```cpp block of a page."""
    with open(path, encoding="utf-8") as f:
        text = f.read().split("\n")
    blocks = []
    i = 0
    while i < len(text):
        if text[i].strip() in ("```cpp", "```c++"):
            skip = i > 0 and text[i - 1].strip() == "<!-- snippet: skip -->"
            start = i + 1
            j = start
            while j < len(text) and text[j].strip() != "```":
                j += 1
            if not skip:
                blocks.append((start + 1, text[start:j]))
            i = j + 1
        else:
            i += 1
    return blocks


def translation_unit(page, display, number, first_line, lines, prelude):
    includes, declarations, statements = split_block(lines, first_line)
    out = ["// Generated from %s (block %d) by tests/docs/extract_snippets.py. Do not edit." % (display, number)]
    out += ["#include <%s>" % h for h in COMMON_HEADERS]
    for line_number, chunk in includes:
        out.append('#line %d "%s"' % (line_number, display))
        out += chunk
    if prelude:
        out.append('#include "%s"' % prelude)
    for line_number, chunk in declarations:
        out.append('#line %d "%s"' % (line_number, display))
        out += chunk
    out.append("void sluice_doc_snippet_%d() {" % number)
    out.append("  auto body = [&]() {")
    for line_number, chunk in statements:
        out.append('#line %d "%s"' % (line_number, display))
        out += chunk
    out.append("  };")
    out.append("  (void)body;")
    out.append("}")
    return "\n".join(out) + "\n"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True)
    parser.add_argument("--prelude-dir", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("pages", nargs="+")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    written = set()
    for page in args.pages:
        display = os.path.relpath(page, args.root).replace(os.sep, "/")
        stem = re.sub(r"[^A-Za-z0-9]+", "_", display[:-3] if display.endswith(".md") else display)
        prelude = os.path.join(args.prelude_dir, os.path.basename(page)[:-3] + ".hpp")
        prelude = os.path.abspath(prelude) if os.path.exists(prelude) else None
        for number, (first_line, lines) in enumerate(blocks_of(page), start=1):
            name = os.path.join(args.out, "%s_%d.cpp" % (stem, number))
            text = translation_unit(page, display, number, first_line, lines, prelude)
            old = None
            if os.path.exists(name):
                with open(name, encoding="utf-8") as f:
                    old = f.read()
            if old != text:
                with open(name, "w", encoding="utf-8") as f:
                    f.write(text)
            written.add(os.path.abspath(name))
    for name in os.listdir(args.out):
        path = os.path.abspath(os.path.join(args.out, name))
        if name.endswith(".cpp") and path not in written:
            os.remove(path)
    for name in sorted(written):
        print(name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
