"""The 276 map that pyx12 lacks (x212_map): a well-formed claim status request passes, and
each kind of mistake the guide forbids is reported where it is, so the judge can fail."""

from __future__ import annotations

import pytest

from rcm_shared.testing.x12_oracle import validate

ISA = (
    "ISA*00*          *00*          *ZZ*SUBMITTER1     *ZZ*CLEARINGHOUSE  "
    "*261203*0930*^*00501*000000007*0*T*:~"
)
# One subscriber who is the patient, and one dependent under another subscriber.
GOOD = ISA + (
    "GS*HR*SUBMITTER1*CLEARINGHOUSE*20261203*0930*7*X*005010X212~"
    "ST*276*0001*005010X212~"
    "BHT*0010*13*REQ7*20261203*0930~"
    "HL*1**20*1~NM1*PR*2*ACME HEALTH*****PI*87726~"
    "HL*2*1*21*1~NM1*41*2*BILLING CO*****46*SUBMITTER1~"
    "HL*3*2*19*1~NM1*1P*2*MAIN STREET CLINIC*****XX*1234567893~"
    "HL*4*3*22*0~DMG*D8*19800402*F~NM1*IL*1*DOE*JANE****MI*W100~"
    "TRN*1*TRACE1~REF*1K*ICN77~REF*EJ*PCN1~AMT*T3*195.5~DTP*472*RD8*20261101-20261101~"
    "SVC*HC:99213*120~REF*FJ*L1~DTP*472*D8*20261101~"
    "HL*5*3*22*1~NM1*IL*1*ROE*RICHARD****MI*W200~"
    "HL*6*5*23*0~DMG*D8*20150912*M~NM1*QC*1*ROE*SAM~"
    "TRN*1*TRACE2~REF*EJ*PCN2~AMT*T3*80~DTP*472*D8*20261102~"
    "SE*29*0001~GE*1*7~IEA*1*000000007~"
)


def test_a_well_formed_276_passes() -> None:
    verdict = validate(GOOD)
    assert verdict.ok, verdict.explain()


@pytest.mark.parametrize(
    ("wrong", "right", "complaint"),
    [
        ("HL*4*3*22*0~", "HL*4*3*22*7~", "HL04"),  # a child code that does not exist
        ("REF*EJ*PCN1~", "REF*ZZ*PCN1~", "REF*ZZ"),  # a reference the guide has not
        ("TRN*1*TRACE2~", "", "Segment REF*EJ not found"),  # a claim without its TRN
        ("NM1*QC*1*ROE*SAM~", "NM1*QC*1*ROE*SAM****MI*X~", "NM108"),  # dependents have no id
        ("DTP*472*D8*20261102~", "DTP*472*D8*20261302~", "DTP03"),  # no 13th month
        ("BHT*0010*13*", "BHT*0010*08*", "BHT02"),  # 08 is the 277's purpose, not a request's
    ],
)
def test_each_mistake_is_reported(wrong: str, right: str, complaint: str) -> None:
    assert wrong in GOOD
    text = GOOD.replace(wrong, right)
    if not right:
        text = text.replace("SE*29*", "SE*28*")
    verdict = validate(text)
    assert not verdict.ok
    assert complaint in verdict.explain(), verdict.explain()
