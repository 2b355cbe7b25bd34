"""Markdown appeal letter -> PDF (fpdf2). Knows only what letters use: headings, paragraphs,
bullets with **bold**, and pipe tables."""

from __future__ import annotations

from fpdf import FPDF
from fpdf.enums import XPos, YPos


def _latin1(text: str) -> str:
    # the PDF core fonts are Latin-1; anything else becomes '?' rather than failing
    return text.encode("latin-1", "replace").decode("latin-1")


def _cells(row: str) -> list[str]:
    return [c.strip() for c in row.strip().strip("|").split("|")]


def render_pdf(markdown: str, title: str) -> bytes:
    pdf = FPDF(format="Letter")
    pdf.set_title(_latin1(title))
    pdf.set_creator("rcm-denials")
    pdf.set_margins(20, 20, 20)
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("|"):
            block = []
            while i < len(lines) and lines[i].startswith("|"):
                block.append(lines[i])
                i += 1
            rows = [_cells(r) for r in block if not set(r.replace("|", "").strip()) <= {"-", ""}]
            rows = [r for r in rows if any(rows_cell for rows_cell in r)]
            if rows:
                with pdf.table(first_row_as_headings=len(rows[0]) > 2, text_align="LEFT") as table:
                    for cells in rows:
                        row = table.row()
                        for cell in cells:
                            row.cell(_latin1(cell))
                pdf.ln(2)
            continue
        if line.startswith("# "):
            pdf.set_font("Helvetica", "B", 14)
            pdf.multi_cell(0, 7, _latin1(line[2:]), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.set_font("Helvetica", size=10)
        elif line.startswith("## "):
            pdf.ln(2)
            pdf.set_font("Helvetica", "B", 12)
            pdf.multi_cell(0, 6, _latin1(line[3:]), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.set_font("Helvetica", size=10)
        elif line.startswith("- "):
            pdf.multi_cell(
                0,
                5,
                _latin1("- " + line[2:]),
                markdown=True,
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )
        elif line.strip():
            pdf.multi_cell(0, 5, _latin1(line), markdown=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        else:
            pdf.ln(2)
        i += 1
    return bytes(pdf.output())
