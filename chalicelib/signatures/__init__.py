"""The signed channel's checks: XML parsing that refuses DTDs and entities,
XMLDSig verification (signxml), the certificate path to the trust anchors
(pyca/cryptography's X.509 verifier) with revocation from CRLs, the algorithm
policy of Thông tư 15/2025/TT-BKHCN, and the signer's identity from the
subject UID.

Nothing heavy is imported here: lxml, signxml and cryptography load on the
first signed submission only, so the other routes' cold starts do not pay
for them.
"""
