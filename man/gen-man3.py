#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Generate the man(3) pages of ringer's public calls.

    gen-man3.py SOURCE_DIR OUT_DIR VERSION

Every `### ` heading of docs/API.md (outside code blocks) that names a
function or function-like macro declared by include/ringer.h or
include/ringer/fault.h becomes a page per name in OUT_DIR (NAME.3), with:
the names and a summary (NAME), the prototypes read from the header
(SYNOPSIS), the section's text converted from markdown to roff
(DESCRIPTION), its **Returns** paragraph (RETURN VALUE), its **Notes.** and,
on io_uring_* pages, the paragraphs on where ringer or its user engine
differs (NOTES), and the calls the text names (SEE ALSO).  The words are
docs/API.md's; nothing here is to be edited by hand in the output.

Stale *.3 files in OUT_DIR are removed, so the directory holds exactly the
pages of the current API.md.  Exit: 0, or 1 with a message.
"""

import os
import re
import sys

HEADERS = (("include/ringer.h", "ringer.h"),
           ("include/ringer/fault.h", "ringer/fault.h"))

IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def parse_header(path):
    """Map each function name declared or defined at file scope to its
    prototype, and each function-like macro to its #define line."""
    text = strip_comments(open(path, encoding="utf-8").read())
    macros = {}
    lines = []
    cont = False
    for line in text.split("\n"):
        if cont:
            cont = line.rstrip().endswith("\\")
            continue
        s = line.strip()
        if s.startswith("#"):
            m = re.match(r"#\s*define\s+([A-Za-z_]\w*)\(([^)]*)\)", s)
            if m and m.group(1) not in macros:
                args = ", ".join(a.strip().rstrip("_") for a in m.group(2).split(","))
                macros[m.group(1)] = "#define %s(%s)" % (m.group(1), args)
            cont = line.rstrip().endswith("\\")
            continue
        if s == 'extern "C" {':
            continue
        lines.append(line)
    # A lone "}" closing extern "C" sits at file scope: the brace walk below
    # treats an unmatched "}" as nothing.
    code = "\n".join(lines)
    protos = {}
    depth = 0
    chunk = []
    i = 0
    while i < len(code):
        c = code[i]
        if depth == 0:
            if c == ";" or c == "{":
                decl = " ".join("".join(chunk).split())
                chunk = []
                if c == "{":
                    depth = 1
                name = decl_name(decl)
                if name and name not in protos:
                    protos[name] = clean_decl(decl)
            elif c == "}":
                chunk = []
            else:
                chunk.append(c)
        else:
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    chunk = []
        i += 1
    return protos, macros


def decl_name(decl):
    """The function a file-scope declaration declares, or None."""
    if "(" not in decl or decl.startswith(("typedef", "struct ", "enum ", "union ")) and \
            not re.search(r"\)\s*$", decl):
        return None
    if decl.startswith("typedef") or "=" in decl.split("(")[0]:
        return None
    decl = re.sub(r"__attribute__\s*\(\(.*?\)\)", "", decl)
    m = re.search(r"([A-Za-z_]\w*)\s*\(", decl)
    if not m or m.group(1) in ("__attribute__", "sizeof"):
        return None
    return m.group(1)


def clean_decl(decl):
    decl = re.sub(r"__attribute__\s*\(\(.*?\)\)\s*", "", decl)
    decl = re.sub(r"\b(RINGER_API|static|inline|__inline__|extern|IOURINGINLINE)\s+", "", decl)
    decl = re.sub(r"\(\s+", "(", decl)
    decl = re.sub(r"\s+\)", ")", decl)
    return decl.strip() + ";"


# --- markdown to roff ---------------------------------------------------------

NAMED = {
    "\u2026": "\\&...", "\u2014": "\\(em", "\u2013": "\\(en", "\u2265": "\\(>=",
    "\u2264": "\\(<=", "\u2192": "\\(->", "\u2190": "\\(<-", "\u00d7": "\\(mu",
    "\u00b1": "\\(+-", "\u2260": "\\(!=", "\u00a7": "\\(sc", "\u2018": "\\(oq",
    "\u2019": "\\(cq", "\u201c": "\\(lq", "\u201d": "\\(rq", "\u00a0": "\\~",
}


def esc(text, code=False):
    """Escape plain text for roff: backslashes, non-ASCII characters and,
    in code, every hyphen (a minus sign there)."""
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\e")
        elif ch == "-" and code:
            out.append("\\-")
        elif ord(ch) > 127:
            out.append(NAMED.get(ch, "\\[u%04X]" % ord(ch)))
        else:
            out.append(ch)
    return "".join(out)


def inline(text):
    """Convert one block's inline markdown: code spans and **bold** to bold,
    *emphasis* to italics, links to their text."""
    out = []
    pos = 0
    # code spans first: nothing inside them is markdown
    for m in re.finditer(r"(`+)(.+?)\1", text):
        out.append(inline_plain(text[pos:m.start()]))
        # \% keeps an identifier from being hyphenated
        out.append("\\fB\\%" + esc(m.group(2).strip(), code=True) + "\\fR")
        pos = m.end()
    out.append(inline_plain(text[pos:]))
    return "".join(out)


def inline_plain(text):
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    parts = re.split(r"(\*\*[^*]+\*\*|(?<![\w*])\*[^*\s][^*]*\*(?![\w*]))", text)
    out = []
    for p in parts:
        if p.startswith("**") and p.endswith("**") and len(p) > 4:
            out.append("\\fB" + minus(esc(p[2:-2])) + "\\fR")
        elif p.startswith("*") and p.endswith("*") and len(p) > 2:
            out.append("\\fI" + minus(esc(p[1:-1])) + "\\fR")
        else:
            out.append(minus(esc(p)))
    return "".join(out)


def minus(text):
    # -errno, -EINVAL, -1: minus signs, not hyphens
    return re.sub(r"(^|[\s(/,])-(?=[A-Z0-9]|errno)", r"\1\\-", text)


def fill(text):
    """Roff source lines for running text: no line may start with a
    control character or a space."""
    lines = []
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        if line[0] in ".'":
            line = "\\&" + line
        lines.append(line)
    return "\n".join(lines)


def blocks(md):
    """Split a section's markdown into blocks: ("code", lines),
    ("list", items), ("table", rows), ("para", text)."""
    out = []
    lines = md.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip() or line.strip() == "---":
            i += 1
            continue
        if line.startswith("```"):
            j = i + 1
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            out.append(("code", lines[i + 1:j]))
            i = j + 1
            continue
        if line.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                cells = [c.strip() for c in re.split(r"(?<!\\)\|", lines[i].strip())[1:-1]]
                if not all(re.fullmatch(r":?-+:?", c) for c in cells):
                    rows.append(cells)
                i += 1
            out.append(("table", rows[1:]))
            continue
        if re.match(r"(- |\d+\. )", line):
            items = []
            while i < len(lines) and lines[i].strip():
                m = re.match(r"(- |\d+\. )(.*)", lines[i])
                if m:
                    items.append(m.group(2))
                elif items:
                    items[-1] += "\n" + lines[i]
                i += 1
            out.append(("list", items))
            continue
        para = []
        while i < len(lines) and lines[i].strip() and not lines[i].startswith(("```", "|")) \
                and not (para and re.match(r"(- |\d+\. )", lines[i])):
            para.append(lines[i])
            i += 1
        out.append(("para", "\n".join(para)))
    return out


def roff_block(kind, body):
    if kind == "code":
        text = "\n".join(body).replace("\t", "        ")
        lines = []
        for line in text.split("\n"):
            line = esc(line, code=True)
            if line[:1] in (".", "'"):
                line = "\\&" + line
            lines.append(line)
        return ".PP\n.in +4n\n.EX\n" + "\n".join(lines) + "\n.EE\n.in\n"
    if kind == "list":
        return "".join(".IP \\(bu 2\n" + fill(inline(item)) + "\n" for item in body)
    if kind == "table":
        out = []
        for row in body:
            out.append(".TP\n" + fill(inline(row[0])) + "\n" +
                       fill(inline("; ".join(c for c in row[1:] if c))) + "\n")
        return "".join(out)
    return ".PP\n" + fill(inline(body)) + "\n"


def plain(md):
    """A block of markdown as plain text (for the NAME line)."""
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", md)
    text = text.replace("`", "").replace("**", "")
    return " ".join(text.split())


DIVERGES = re.compile(r"\b(engine|user backend|liburing|diverge|divergence|unlike|differs?)\b",
                      re.I)


# --- API.md -------------------------------------------------------------------

INTROS = {}


def sections(api):
    """(heading, chapter title, body) of each `### ` section of API.md."""
    out = []
    fence = False
    chapter = ""
    cur = None
    intro = None
    for line in api.split("\n"):
        if line.startswith("```"):
            fence = not fence
        if not fence and line.startswith("## "):
            chapter = re.sub(r"^##\s+(\d+\.\s*)?", "", line).strip()
            if cur:
                out.append(cur)
            cur = None
            intro = []
            INTROS[chapter] = intro
            continue
        if not fence and line.startswith("### "):
            if cur:
                out.append(cur)
            cur = [line[4:], chapter, []]
            continue
        if cur:
            cur[2].append(line)
        elif intro is not None:
            intro.append(line)
    if cur:
        out.append(cur)
    return [(h, c, "\n".join(b)) for h, c, b in out]


def page(name, names, chapter, body, protos, macros, include, known, version):
    bl = blocks(body)
    fn_protos = [protos[n] for n in names if n in protos]
    # The section's first code block repeats the prototypes: the synopsis
    # has them from the header.
    if bl and bl[0][0] == "code" and fn_protos and not any("{" in l for l in bl[0][1]):
        bl = bl[1:]

    desc, ret, notes = [], [], []
    where = desc
    for k, (kind, b) in enumerate(bl):
        if kind == "para" and b.startswith("**Returns**"):
            where = ret
            b = "Returns" + b[len("**Returns**"):]
            ret.append((kind, b))
            continue
        if kind == "para" and re.match(r"\*\*Notes?\.?\*\*", b):
            where = notes
            b = re.sub(r"^\*\*Notes?\.?\*\*\s*", "", b)
            notes.append((kind, b))
            continue
        if where is ret and kind != "list":
            where = desc
        if where is desc and k > 0 and name.startswith(("io_uring", "__io_uring", "_io_uring")) \
                and kind != "code" and DIVERGES.search(b if kind == "para" else " ".join(
                    b if kind == "list" else [" ".join(r) for r in b])):
            notes.append((kind, b))
            continue
        where.append((kind, b))

    first = next((b for kind, b in bl if kind == "para"), "")
    summary = plain(re.split(r"(?<=[.:;])\s", first + " ")[0]).rstrip(".:;")
    if not summary or len(summary) > 80 or summary.startswith("`"):
        summary = chapter if chapter else "ringer call"
    if re.match(r"[A-Z]([a-z]|\s)", summary):
        # a sentence's capital, not an acronym's or a constant's
        summary = summary[0].lower() + summary[1:]

    o = []
    o.append('.\\" SPDX-License-Identifier: MIT\n')
    o.append('.\\" Generated by man/gen-man3.py from docs/API.md and include/%s:\n'
             '.\\" edit those, not this file.\n' % include)
    o.append('.TH %s 3 "" "ringer %s" "ringer Manual"\n' % (name.upper(), version))
    o.append(".SH NAME\n%s \\- %s\n" % (", ".join(esc(n, code=True) for n in names), minus(esc(summary))))
    o.append(".SH SYNOPSIS\n.nf\n.B #include <%s>\n" % include)
    if include == "ringer.h" and name.startswith(("io_uring", "__io_uring", "_io_uring")):
        o.append('.RB "(or " "#include <liburing.h>" " with " "\\-I\\fIprefix\\fP/include/ringer/compat" )\n')
    o.append(".PP\n")
    for n in names:
        if n in protos:
            o.append(synopsis_line(protos[n], n))
        elif n in macros:
            o.append(synopsis_line(macros[n], n))
    o.append(".fi\n.PP\nLink with\n.IR \\-lringer .\n")
    o.append(".SH DESCRIPTION\n")
    o.append("".join(roff_block(k, b) for k, b in desc) or ".PP\nSee NOTES.\n")
    intro = blocks("\n".join(INTROS.get(chapter, [])))
    if intro and chapter not in ("Differences from liburing, at a glance",):
        o.append('.SS "%s"\n' % esc(chapter.replace('"', "")))
        o.append("".join(roff_block(k, b) for k, b in intro))
    if ret:
        o.append(".SH RETURN VALUE\n" + "".join(roff_block(k, b) for k, b in ret))
    if notes:
        o.append(".SH NOTES\n" + "".join(roff_block(k, b) for k, b in notes))
    if "\u00a7" in body or "\u00a7" in "\n".join(INTROS.get(chapter, [])):
        o.append(".PP\nSection numbers (\\(sc) refer to ringer's API reference, docs/API.md.\n")
    seen = []
    for m in re.finditer(r"`([A-Za-z_]\w*)", body):
        n = m.group(1)
        if n in known and n not in names and n not in seen:
            seen.append(n)
    refs = [".BR %s (3)" % esc(n, code=True) for n in seen[:12]]
    refs.append(".BR ringer (7)")
    o.append(".SH SEE ALSO\n" + ",\n".join(refs) + "\n")
    return "".join(o)


def synopsis_line(proto, name):
    """A prototype, the name in bold, wrapped at about 72 columns on the
    parameters' commas."""
    head, _, rest = proto.partition(name + "(")
    if not rest:
        return esc(proto, code=True) + "\n"
    params = [p.strip() for p in split_params(rest[:-2] if rest.endswith(");") else rest.rstrip(")"))]
    tail = ");" if proto.endswith(");") else ")"
    lead = esc(head, code=True) + "\\fB" + esc(name, code=True) + "\\fP("
    width = len(head) + len(name) + 1
    indent = " " * width
    lines = []
    cur = lead
    col = width
    for k, p in enumerate(params):
        piece = p + ("," if k < len(params) - 1 else "")
        if col + len(piece) > 72 and k > 0:
            lines.append(cur.rstrip())
            cur = "\\h'%dn'" % width
            col = width
        cur += esc(piece, code=True) + " "
        col += len(piece) + 1
    cur = cur.rstrip() + tail
    lines.append(cur)
    return "\n".join(lines) + "\n"


def split_params(s):
    out, depth, cur = [], 0, ""
    for ch in s:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return out


def main():
    if len(sys.argv) != 4:
        sys.stderr.write("usage: gen-man3.py SOURCE_DIR OUT_DIR VERSION\n")
        return 1
    src, outdir, version = sys.argv[1:]
    protos, macros, include_of = {}, {}, {}
    for rel, inc in HEADERS:
        p, m = parse_header(os.path.join(src, rel))
        for n, v in p.items():
            if n not in protos:
                protos[n] = v
                include_of[n] = inc
        for n, v in m.items():
            if n not in macros:
                macros[n] = v
                include_of.setdefault(n, inc)
    api = open(os.path.join(src, "docs/API.md"), encoding="utf-8").read()

    # Each name to the section that documents it, the one naming the fewest
    # calls if several do.
    pages = {}
    for heading, chapter, body in sections(api):
        names = []
        for n in IDENT.findall(heading):
            public = n.startswith(("io_uring", "__io_uring", "_io_uring", "ringer_", "IO_URING",
                                   "uring_"))
            if public and (n in protos or n in macros) and n not in names:
                names.append(n)
        for n in names:
            if n not in pages or len(pages[n][0]) > len(names):
                pages[n] = (names, chapter, body)
    if len(pages) < 200:
        sys.stderr.write("gen-man3.py: only %d calls found in docs/API.md\n" % len(pages))
        return 1

    os.makedirs(outdir, exist_ok=True)
    for f in os.listdir(outdir):
        if f.endswith(".3") and f[:-2] not in pages:
            os.remove(os.path.join(outdir, f))
    for n, (names, chapter, body) in sorted(pages.items()):
        text = page(n, names, chapter, body, protos, macros, include_of[n], pages, version)
        path = os.path.join(outdir, n + ".3")
        old = None
        if os.path.exists(path):
            old = open(path, encoding="utf-8").read()
        if old != text:
            with open(path + ".tmp", "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(path + ".tmp", path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
