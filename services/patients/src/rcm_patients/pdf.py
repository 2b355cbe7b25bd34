"""A statement document -> one Letter page of PDF (fpdf2): the clinic's letterhead, the
guarantor's address where a window envelope shows it, the amount due, each visit with what
insurance paid and what the patient owes, and a tear-off stub to send back."""

from __future__ import annotations

from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

TITLES = {
    "statement": "STATEMENT",
    "second_notice": "SECOND NOTICE",
    "final_notice": "FINAL NOTICE",
    "plan_statement": "PAYMENT PLAN STATEMENT",
}


def _latin1(text: object) -> str:
    # the core fonts are Latin-1; anything else becomes '?' rather than failing
    return str(text).encode("latin-1", "replace").decode("latin-1")


def _address(value: dict[str, Any] | None) -> list[str]:
    if not value:
        return []
    lines = [value.get("line1", ""), value.get("line2") or ""]
    postal = str(value.get("postal_code", ""))
    postal = f"{postal[:5]}-{postal[5:]}" if len(postal) == 9 else postal
    lines.append(f"{value.get('city', '')}, {value.get('state', '')} {postal}")
    return [line for line in lines if line]


def _money(text: str) -> str:
    return f"${text}"


def render_statement(doc: dict[str, Any]) -> bytes:
    pdf = FPDF(format="Letter")
    pdf.set_title(_latin1(f"{TITLES.get(doc['notice'], 'STATEMENT')} {doc['statement_id']}"))
    pdf.set_creator("rcm-patients")
    pdf.set_auto_page_break(True, margin=15)
    pdf.set_margins(18, 16, 18)
    pdf.add_page()
    _letterhead(pdf, doc)
    _visits(pdf, doc)
    _stub(pdf, doc)
    return bytes(pdf.output())


def _account_label(doc: dict[str, Any]) -> str:
    return str(doc["account"].get("number") or doc["account"]["id"][:8].upper())


def _letterhead(pdf: FPDF, doc: dict[str, Any]) -> None:
    clinic = doc["clinic"]
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(110, 8, _latin1(clinic.get("name") or ""), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", size=9)
    for line in _address(clinic.get("address")):
        pdf.cell(110, 4.5, _latin1(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if clinic.get("npi"):
        pdf.cell(110, 4.5, _latin1(f"NPI {clinic['npi']}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    # title and the summary box, top right
    top = 16
    pdf.set_xy(128, top)
    pdf.set_font("Helvetica", "B", 13)
    pdf.cell(70, 7, TITLES.get(doc["notice"], "STATEMENT"), align="R")
    pdf.set_font("Helvetica", size=9)
    rows = [
        ("Statement date", doc["issued_on"]),
        ("Account", _account_label(doc)),
        ("Balance", _money(doc["balance"])),
        ("Amount due", _money(doc["amount_due"])),
        ("Due by", doc["due_date"]),
    ]
    y = top + 9.0
    for label, value in rows:
        pdf.set_xy(128, y)
        bold = label == "Amount due"
        pdf.set_font("Helvetica", "B" if bold else "", 10 if bold else 9)
        pdf.cell(34, 5.5, label, border=1)
        pdf.cell(36, 5.5, _latin1(value), border=1, align="R")
        y += 5.5
    # the guarantor, where a window envelope shows it
    pdf.set_xy(24, 56)
    pdf.set_font("Helvetica", size=10)
    guarantor = doc["guarantor"]
    for line in [guarantor.get("name", ""), *_address(guarantor.get("address"))]:
        pdf.set_x(24)
        pdf.cell(90, 5, _latin1(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    # the message
    pdf.set_xy(18, 84)
    final = doc["notice"] == "final_notice"
    pdf.set_font("Helvetica", "B" if final else "", 10)
    pdf.multi_cell(0, 5, _latin1(doc["message"]), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)


def _visits(pdf: FPDF, doc: dict[str, Any]) -> None:
    pdf.set_font("Helvetica", "B", 9)
    widths = (22, 40, 40, 20, 20, 20, 18)
    heads = ("Date", "Patient", "Services", "Charges", "Insurance", "Adjusted", "You owe")
    for width, head in zip(widths, heads, strict=True):
        pdf.cell(width, 6, head, border="B", align="L" if head in heads[:3] else "R")
    pdf.ln()
    pdf.set_font("Helvetica", size=9)
    for visit in doc["visits"]:
        services = ", ".join(s["code"] for s in visit["services"])
        owe = visit["balance"] + (" *" if visit["pending_insurance"] else "")
        cells = (
            visit["service_date"],
            visit.get("patient") or "",
            services,
            visit["charges"],
            visit["insurance_paid"],
            visit["insurance_adjusted"],
            owe,
        )
        for i, (width, text) in enumerate(zip(widths, cells, strict=True)):
            pdf.cell(width, 5.5, _latin1(text)[:24], align="L" if i < 3 else "R")
        pdf.ln()
    pdf.ln(2)
    if any(v["pending_insurance"] for v in doc["visits"]):
        pdf.set_font("Helvetica", "I", 8)
        pdf.multi_cell(
            0,
            4,
            "* Billed to your other insurance; not due until it answers.",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
    for payment in doc["payments_since_last_statement"]:
        pdf.set_font("Helvetica", size=9)
        text = (
            f"Payment received {payment['received_on']} ({payment['method']}): "
            f"-${payment['amount']}"
        )
        pdf.cell(0, 5, _latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if doc.get("plan"):
        plan = doc["plan"]
        pdf.set_font("Helvetica", size=9)
        text = (
            f"Payment plan: installment {plan['installment']} of {plan['of']}, "
            f"${plan['installment_amount']} a month."
        )
        pdf.cell(0, 5, _latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(0, 6, _latin1(f"Please pay {_money(doc['amount_due'])} by {doc['due_date']}."),
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
    pdf.set_font("Helvetica", size=9)
    pdf.multi_cell(0, 4.5, _latin1(doc["how_to_pay"]), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _stub(pdf: FPDF, doc: dict[str, Any]) -> None:
    """The tear-off part that comes back with the check."""
    clinic = doc["clinic"]
    stub = 232
    if pdf.get_y() > stub - 10:  # many visits: the stub gets a page of its own
        pdf.add_page()
    pdf.set_draw_color(120, 120, 120)
    pdf.dashed_line(18, stub - 4, 198, stub - 4, 2, 2)
    pdf.set_xy(18, stub)
    pdf.set_font("Helvetica", "B", 9)
    pdf.cell(0, 5, "Please detach and return this part with your payment.",
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
    pdf.set_font("Helvetica", size=9)
    remit = [clinic.get("name") or "", *_address(clinic.get("remit_to"))]
    pdf.set_xy(18, stub + 7)
    for line in remit:
        pdf.set_x(18)
        pdf.cell(90, 4.5, _latin1(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_xy(128, stub + 7)
    for label, value in (
        ("Account", _account_label(doc)),
        ("Amount due", _money(doc["amount_due"])),
        ("Due by", doc["due_date"]),
        ("Amount paid", ""),
    ):
        pdf.set_x(128)
        pdf.cell(34, 6, label, border=1)
        pdf.cell(36, 6, _latin1(value), border=1, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
