# SPDX-License-Identifier: Apache-2.0
"""Job specs: a dict of sections to the INI text fedc parses, and the
admin's signature of the spec text (crypto/fl_spec_sig.h)."""

SPEC_SIG_DOMAIN = b"fedc-spec-v1\n"
_WIDTH = 100


def _value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        return [str(x) for x in v]
    return str(v)


def _line(key, v):
    if not isinstance(v, list):
        return [key + " = " + v]
    # Long lists go on continuation lines (indented), as the example specs
    # write them, so no line gets near the parser's line cap.
    lines, cur = [], key + " ="
    for i, item in enumerate(v):
        piece = " " + item + ("," if i + 1 < len(v) else "")
        if len(cur) + len(piece) > _WIDTH and cur.strip() not in ("", key + " ="):
            lines.append(cur)
            cur = " "
        cur += piece
    lines.append(cur)
    return lines


def to_text(spec):
    """spec as text: a str is returned as it is; a dict maps section names
    ("job", "train", "round", "secagg", ...) to dicts of key: value, where
    lists become comma lists and booleans true/false."""
    if isinstance(spec, str):
        return spec
    if not isinstance(spec, dict):
        raise TypeError("a spec is INI text or a dict of sections")
    out = []
    for section, keys in spec.items():
        if not isinstance(keys, dict):
            raise TypeError("spec section [%s] must be a dict" % section)
        if out:
            out.append("")
        out.append("[%s]" % section)
        for key, v in keys.items():
            out.extend(_line(str(key), _value(v)))
    return "\n".join(out) + "\n"


def sign(spec_text, key_pem):
    """The signature of DOMAIN || spec with the operator's key (ECDSA P-256
    with SHA-256, DER; or Ed25519), as fedctl makes it: agents run only
    specs an admin of their CA signed (SECAGG.md R2, R7, R11)."""
    try:
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec, ed25519
    except ImportError as e:
        raise ImportError("fedc: signing a spec needs python3-cryptography") from e
    key = serialization.load_pem_private_key(key_pem, password=None)
    msg = SPEC_SIG_DOMAIN + spec_text.encode("utf-8")
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key.sign(msg)
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == "secp256r1":
        return key.sign(msg, ec.ECDSA(hashes.SHA256()))
    raise ValueError("fedc: the operator key must be ECDSA P-256 or Ed25519")
