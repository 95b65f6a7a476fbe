"""POST /v1/declarations/signed through chalice.test.Client, against moto:
the decision paths, and the attack corpus (every case refused with its own
code, never a 5xx, nothing stored but the audit event, nobody notified)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

import pytest
from lxml import etree

from chalicelib.adapters.models import AccountModel, AuditModel, DeclarationModel, GuardModel, NotificationModel
from chalicelib.domain.participant import Participant
from chalicelib.signatures.form_xml import form01_to_xml
from chalicelib.signatures.signing import sign_xml
from local.demo_pki import new_key
from tests.builders import form
from tests.integration.emulator import drain, sent_emails, sent_sms
from tests.pki import SigningPki, trusted_by

AN = Participant("0123456789", "NGUYỄN VĂN AN", "1989-05-02", "male", "001089020747", "+84912345678", "01")
DS = "{http://www.w3.org/2000/09/xmldsig#}"
XML = {"Content-Type": "application/xml"}
PATH = "/v1/declarations/signed"


@pytest.fixture
def pki(container: Any) -> SigningPki:
    """The tests' PKI, its root the only anchor; the registry knows the declarant."""
    return trusted_by(container, AN)


def post(client: Any, body: bytes, **headers: str) -> tuple[int, dict[str, Any]]:
    response = client.http.post(PATH, headers={**XML, **headers}, body=body)
    return response.status_code, json.loads(response.body) if response.body else {}


def audit_items() -> list[AuditModel]:
    return list(AuditModel.scan())


# --- decisions --------------------------------------------------------------------------


def test_signed_declaration_is_approved_and_the_account_goes_out_by_sms(
    client: Any, pki: SigningPki, aws: dict[str, Any]
) -> None:
    status, body = post(client, pki.sign())

    assert (status, body["status"], body["channel"], body["reasons"]) == (201, "approved", "signed", [])
    assert AccountModel.get("0123456789").temporary is True
    stored = DeclarationModel.get(body["id"])
    assert (stored.status, stored.decided_by) == ("approved", "system")
    assert str(stored.signature["issuer"]).startswith("CN=BHXH Demo Licensed CA")
    drain(aws)
    sms = [text for phone, text in sent_sms() if phone == "+84912345678"]
    assert len(sms) == 1 and "TK: 001089020747" in sms[0] and "MK tam: " in sms[0]
    password = sms[0].split("MK tam: ")[1].split(" ")[0]
    signed_in = client.http.post(
        "/v1/auth/login",
        headers={"Content-Type": "application/json"},
        body=json.dumps({"username": "0123456789", "password": password}),
    )
    assert json.loads(signed_in.body)["password_change_required"] is True
    assert any("an.nguyen@example.vn" in m.destinations["ToAddresses"] for m in sent_emails())


def test_the_status_can_be_read_like_any_declaration(client: Any, pki: SigningPki) -> None:
    _, created = post(client, pki.sign())
    status = client.http.get(f"/v1/declarations/{created['id']}?id_number=001089020747")
    assert (status.status_code, json.loads(status.body)["status"]) == (200, "approved")


def test_ecdsa_p256_certificate_is_accepted(client: Any, pki: SigningPki) -> None:
    status, body = post(client, pki.sign(name="ecdsa"))
    assert (status, body["status"]) == (201, "approved")


def test_non_repudiation_alone_is_a_signing_usage(client: Any, pki: SigningPki) -> None:
    status, body = post(client, pki.sign(name="non_repudiation_only"))
    assert (status, body["status"]) == (201, "approved")


def test_reference_to_the_root_id_is_accepted(client: Any, pki: SigningPki) -> None:
    status, body = post(client, pki.sign(element_id="form", reference_uri="#form"))
    assert (status, body["status"]) == (201, "approved")


def test_registry_mismatch_is_rejected_with_reasons_and_notices(
    client: Any, container: Any, pki: SigningPki, aws: dict[str, Any]
) -> None:
    container.registry.put_many([Participant(**{**AN.__dict__, "date_of_birth": "1989-05-03"})])

    status, body = post(client, pki.sign())

    assert (status, body["status"], body["reasons"], body["differences"]) == (
        201,
        "rejected",
        ["registry_mismatch"],
        ["date_of_birth"],
    )
    assert AccountModel.count() == 0
    drain(aws)
    sms = [text for phone, text in sent_sms() if phone == "+84912345678"]
    assert len(sms) == 1 and "khong duoc chap nhan" in sms[0] and "19009068" in sms[0]
    assert body["code"].replace("-", "") in sms[0].replace("-", "")


def test_someone_unknown_to_the_registry_is_rejected(client: Any, container: Any, pki: SigningPki) -> None:
    status, body = post(client, pki.sign(form(bhxh_code="0199999999")))
    assert (status, body["status"], body["differences"]) == (201, "rejected", ["bhxh_code"])


def test_a_person_with_an_account_is_rejected_and_told_so(client: Any, pki: SigningPki, aws: dict[str, Any]) -> None:
    assert post(client, pki.sign())[1]["status"] == "approved"
    status, body = post(client, pki.sign(form(email=None)))
    assert (status, body["status"], body["reasons"]) == (201, "rejected", ["account_exists"])
    assert AccountModel.count() == 1
    assert DeclarationModel.count() == 2


def test_a_replayed_request_with_its_idempotency_key_answers_the_same(client: Any, pki: SigningPki) -> None:
    document = pki.sign()
    first = post(client, document, **{"Idempotency-Key": "signed-1"})
    again = post(client, document, **{"Idempotency-Key": "signed-1"})
    assert first == again
    assert DeclarationModel.count() == 1


def test_bodies_between_64_and_256_kib_are_accepted(client: Any, pki: SigningPki) -> None:
    # A comment after the root is outside what the signature covers, and outside the data.
    document = pki.sign() + b"<!--" + b"x" * (128 * 1024) + b"-->"
    status, body = post(client, document)
    assert (status, body.get("status")) == (201, "approved"), body


def test_the_xml_schema_is_served_and_validates_a_signed_form(client: Any, pki: SigningPki) -> None:
    response = client.http.get("/v1/form01.xsd")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/xml")
    schema = etree.XMLSchema(etree.fromstring(response.body))
    assert schema.validate(etree.fromstring(pki.sign()))


def test_problems_are_in_english_on_request(client: Any, pki: SigningPki) -> None:
    status, body = post(client, pki.sign(name="expired"), **{"Accept-Language": "en"})
    assert (status, body["code"], body["title"]) == (422, "certificate_expired", "The certificate has expired")


# --- the attack corpus ------------------------------------------------------------------


def _root(document: bytes) -> Any:
    return etree.fromstring(document)


def _xml(root: Any) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def tampered(pki: SigningPki) -> bytes:
    return pki.sign().replace("Nguyễn Văn An".encode(), "Nguyễn Văn Ân".encode())


def sibling_added(pki: SigningPki) -> bytes:
    return pki.sign().replace(b"<ds:Signature", b"<unit_code>HN-01</unit_code><ds:Signature", 1)


def wrapped_inside_attacker_form(pki: SigningPki) -> bytes:
    """The genuine signed form moved inside a form01 carrying the attacker's data."""
    attacker = _root(form01_to_xml(form(full_name="Kẻ Giả Mạo", phone="0987654321")))
    attacker.append(_root(pki.sign()))
    return _xml(attacker)


def signature_moved_with_original_in_object(pki: SigningPki) -> bytes:
    """Attacker's form01 at the root, the genuine signature moved to it, the
    genuinely signed form01 (Id=form) hidden in a ds:Object of that signature."""
    original = _root(pki.sign(element_id="form", reference_uri="#form"))
    signature = original.find(f"{DS}Signature")
    original.remove(signature)
    attacker = _root(form01_to_xml(form(full_name="Kẻ Giả Mạo")))
    obj = etree.SubElement(signature, f"{DS}Object")
    obj.append(original)
    attacker.append(signature)
    return _xml(attacker)


def reference_to_a_nested_original(pki: SigningPki) -> bytes:
    """Attacker's form01 (Id=evil) holding the genuine signature, the reference
    "#form" resolving to the genuine form01 nested further down."""
    original = _root(pki.sign(element_id="form", reference_uri="#form"))
    signature = original.find(f"{DS}Signature")
    original.remove(signature)
    attacker = _root(form01_to_xml(form(full_name="Kẻ Giả Mạo"), element_id="evil"))
    attacker.append(original)
    attacker.append(signature)
    return _xml(attacker)


def duplicate_ids(pki: SigningPki) -> bytes:
    """A second element with the signed Id, in the unsigned KeyInfo."""
    root = _root(pki.sign(element_id="form", reference_uri="#form"))
    key_info = root.find(f"{DS}Signature/{DS}KeyInfo")
    etree.SubElement(key_info, f"{DS}KeyName", Id="form").text = "x"
    return _xml(root)


def two_signatures(pki: SigningPki) -> bytes:
    return sign_xml(pki.sign(), pki.signer.key_pem, pki.chain())


def unsigned(pki: SigningPki) -> bytes:
    return form01_to_xml(form())


def corrupted_signature_value(pki: SigningPki) -> bytes:
    root = _root(pki.sign())
    value = root.find(f"{DS}Signature/{DS}SignatureValue")
    value.text = ("A" if value.text[0] != "A" else "B") + value.text[1:]
    return _xml(root)


def someone_elses_certificate(pki: SigningPki) -> bytes:
    """Signed with another key, the declarant's certificate attached."""
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    key = new_key().private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    return sign_xml(form01_to_xml(form()), key, pki.chain())


def intermediate_left_out(pki: SigningPki) -> bytes:
    return sign_xml(form01_to_xml(form()), pki.signer.key_pem, pki.signer.cert_pem)


def wrong_root_element(pki: SigningPki) -> bytes:
    xml = form01_to_xml(form()).replace(b"<form01 ", b"<form02 ").replace(b"</form01>", b"</form02>")
    return sign_xml(xml, pki.signer.key_pem, pki.chain())


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE form01 [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<form01 xmlns="urn:vn:bhxh:form01:v1"><full_name>&xxe;</full_name></form01>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<form01 xmlns="urn:vn:bhxh:form01:v1"><full_name>&lol9;</full_name></form01>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE form01 SYSTEM "http://127.0.0.1:9/form01.dtd">
<form01 xmlns="urn:vn:bhxh:form01:v1"/>"""


def utf16_xxe(pki: SigningPki) -> bytes:
    return XXE.replace(b'<?xml version="1.0"?>', b'<?xml version="1.0" encoding="UTF-16"?>').decode().encode("utf-16")


def signed_but_invalid_form(pki: SigningPki) -> bytes:
    return pki.sign(form(phone="12345"))


def signed_with_unknown_office(pki: SigningPki) -> bytes:
    return pki.sign(form(office_code="BHXH-00"))


CORPUS: list[tuple[str, Callable[[SigningPki], bytes], int, str]] = [
    ("content changed after signing", tampered, 422, "signature_invalid"),
    ("unsigned sibling element added", sibling_added, 422, "signature_invalid"),
    ("wrapping: signed form nested in the attacker's", wrapped_inside_attacker_form, 422, "signature_invalid"),
    ("wrapping: original moved into ds:Object", signature_moved_with_original_in_object, 422, "signature_invalid"),
    ("wrapping: reference to a nested original", reference_to_a_nested_original, 422, "signature_invalid"),
    ("duplicate IDs", duplicate_ids, 422, "signature_invalid"),
    ("two signatures", two_signatures, 422, "signature_invalid"),
    ("signature value corrupted", corrupted_signature_value, 422, "signature_invalid"),
    ("someone else's certificate attached", someone_elses_certificate, 422, "signature_invalid"),
    ("no signature", unsigned, 422, "signature_missing"),
    ("wrong CA", lambda p: p.sign(name="wrong_ca"), 422, "certificate_untrusted"),
    ("self-signed", lambda p: p.sign(name="self_signed"), 422, "certificate_untrusted"),
    ("intermediate left out", intermediate_left_out, 422, "certificate_untrusted"),
    ("expired", lambda p: p.sign(name="expired"), 422, "certificate_expired"),
    ("not yet valid", lambda p: p.sign(name="not_yet_valid"), 422, "certificate_not_yet_valid"),
    ("revoked (CRL)", lambda p: p.sign(name="revoked"), 422, "certificate_revoked"),
    ("SHA-1 digest", lambda p: p.sign(digest="sha1", legacy_sha1=True), 422, "weak_algorithm"),
    ("SHA-1 signature method", lambda p: p.sign(signature_digest="sha1", legacy_sha1=True), 422, "weak_algorithm"),
    ("SHA-1-signed certificate", lambda p: p.sign(name="sha1_cert"), 422, "weak_algorithm"),
    ("RSA-1024", lambda p: p.sign(name="rsa1024"), 422, "weak_algorithm"),
    ("no digitalSignature/nonRepudiation", lambda p: p.sign(name="no_signing_usage"), 422, "key_usage_invalid"),
    ("UID of another person", lambda p: p.sign(name="other_person"), 422, "signer_mismatch"),
    ("CMND certificate, CCCD declared", lambda p: p.sign(name="cmnd"), 422, "signer_mismatch"),
    ("no UID in the certificate", lambda p: p.sign(name="no_uid"), 422, "signer_mismatch"),
    ("XXE", lambda p: XXE, 400, "xml_dtd_forbidden"),
    ("billion laughs", lambda p: BILLION_LAUGHS, 400, "xml_dtd_forbidden"),
    ("external DTD", lambda p: EXTERNAL_DTD, 400, "xml_dtd_forbidden"),
    ("XXE in UTF-16", utf16_xxe, 400, "malformed_xml"),
    ("not XML", lambda p: b"hello, this is not XML", 400, "malformed_xml"),
    ("empty body", lambda p: b"", 400, "malformed_xml"),
    ("wrong root element", wrong_root_element, 400, "malformed_xml"),
    ("signed, but the form is invalid", signed_but_invalid_form, 422, "validation_failed"),
    ("signed, unknown office", signed_with_unknown_office, 422, "validation_failed"),
]


@pytest.mark.parametrize(("case", "build", "status", "code"), CORPUS, ids=[case for case, *_ in CORPUS])
def test_attack_corpus_is_refused_with_its_code_and_only_audited(
    client: Any,
    pki: SigningPki,
    aws: dict[str, Any],
    case: str,
    build: Callable[[SigningPki], bytes],
    status: int,
    code: str,
) -> None:
    body = build(pki)

    answered, problem = post(client, body)

    assert (answered, problem.get("code")) == (status, code), problem
    assert DeclarationModel.count() == 0
    assert AccountModel.count() == 0
    assert GuardModel.count() == 0
    assert NotificationModel.count() == 0
    events = audit_items()
    assert [(e.subject, e.to_status, e.channel, e.reason) for e in events] == [
        (f"signed-refusal#{hashlib.sha256(body).hexdigest()}", "refused", "signed", code)
    ]
    assert drain(aws) == 0
    assert sent_sms() == []


def test_over_256_kib_is_refused_before_anything_is_read(client: Any, pki: SigningPki) -> None:
    answered, problem = post(client, pki.sign() + b"<!--" + b"x" * (256 * 1024) + b"-->")
    assert (answered, problem["code"]) == (413, "body_too_large")
    assert audit_items() == []
    assert DeclarationModel.count() == 0


def test_only_xml_is_accepted(client: Any, pki: SigningPki) -> None:
    response = client.http.post(PATH, headers={"Content-Type": "text/plain"}, body=pki.sign())
    assert (response.status_code, json.loads(response.body)["code"]) == (415, "unsupported_media_type")
    assert DeclarationModel.count() == 0


def test_the_corpus_has_the_cases_the_issue_asks_for() -> None:
    assert len(CORPUS) >= 20
    codes = {code for *_, code in CORPUS}
    assert {
        "signature_invalid",
        "signature_missing",
        "certificate_untrusted",
        "certificate_expired",
        "certificate_not_yet_valid",
        "certificate_revoked",
        "weak_algorithm",
        "key_usage_invalid",
        "signer_mismatch",
        "xml_dtd_forbidden",
        "malformed_xml",
    } <= codes
