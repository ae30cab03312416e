#!/usr/bin/env python3
"""Independent verifier of Concord's governance records: audit logs and model releases.

Re-implements, from Docs/governance-encoding.md alone, the canonical JSON encoding, the hash chain, and the
Ed25519 signature checks, using only the standard library and the `cryptography` package.

    verify_concord.py audit LOG [LOG ...] --charter-json CHARTER.json [--release RELEASE.json] [--allow-unsealed]
    verify_concord.py release RELEASE.json --model MODEL --charter-json CHARTER.json [--audit LOG]
        [--charter-signatures SIG ...]

CHARTER.json is the charter's canonical encoding (`concord charter show --canonical --charter charter.yaml`);
its SHA-256 is the charter hash that logs and releases name. Exit status: 0 verified, 1 not verified,
2 unusable input.
"""

import argparse
import base64
import binascii
import hashlib
import json
import re
import sys

try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
except ImportError:  # pragma: no cover - reported to the user
    sys.stderr.write("verify_concord.py needs the 'cryptography' package: python3 -m pip install cryptography\n")
    sys.exit(2)

ZERO_HASH = "0" * 64
INT_MIN, INT_MAX = -(2**63), 2**63 - 1
TIMESTAMP = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z$")
HEX64 = re.compile(r"^[0-9a-f]{64}$")
ENTRY_KEYS = {"schema", "index", "timestamp", "kind", "payload", "previous", "witnesses", "signature", "receipts"}


class Unusable(Exception):
    """Input that cannot be verified at all (exit status 2)."""


# Canonical JSON (Docs/governance-encoding.md, "Canonical JSON").

_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _encode_string(text):
    out = []
    for ch in text:
        if ch in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[ch])
        elif ord(ch) < 0x20:
            out.append("\\u%04x" % ord(ch))
        else:
            out.append(ch)
    return ('"' + "".join(out) + '"').encode("utf-8")  # raises for lone surrogates


def canonical(value):
    """The canonical bytes of a JSON value made of dict, list, str, int, bool and None."""
    if value is None:
        return b"null"
    if value is True:
        return b"true"
    if value is False:
        return b"false"
    if isinstance(value, int):
        if not INT_MIN <= value <= INT_MAX:
            raise ValueError("integer out of the signed 64-bit range")
        return str(value).encode("ascii")
    if isinstance(value, str):
        return _encode_string(value)
    if isinstance(value, list):
        return b"[" + b",".join(canonical(v) for v in value) + b"]"
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: k.encode("utf-8"))
        return b"{" + b",".join(_encode_string(k) + b":" + canonical(value[k]) for k in keys) + b"}"
    raise ValueError("not allowed in canonical JSON: %r" % type(value).__name__)


def _no_duplicates(pairs):
    result = {}
    for key, value in pairs:
        if key in result:
            raise ValueError("the key %r appears twice" % key)
        result[key] = value
    return result


def _no_float(text):
    raise ValueError("a floating-point number (%s); reals are strings" % text)


def parse_canonical(data):
    """Parses bytes that must be exactly the canonical encoding of their value."""
    try:
        value = json.loads(
            data.decode("utf-8"), object_pairs_hook=_no_duplicates, parse_float=_no_float, parse_constant=_no_float
        )
        encoded = canonical(value)
    except (ValueError, UnicodeError, RecursionError) as error:
        raise ValueError("unreadable: %s" % error)
    if encoded != data:
        raise ValueError("valid JSON but not in canonical form")
    return value


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def strict_base64(text, length, what):
    if not isinstance(text, str):
        raise ValueError("%s must be base64 text" % what)
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("%s is not base64" % what)
    if base64.b64encode(raw).decode("ascii") != text or len(raw) != length:
        raise ValueError("%s is not the canonical base64 of %d bytes" % (what, length))
    return raw


def public_key(text, what):
    return Ed25519PublicKey.from_public_bytes(strict_base64(text, 32, what))


def valid_signature(key, signature, data):
    try:
        key.verify(signature, data)
        return True
    except InvalidSignature:
        return False


# The charter (only its canonical JSON is read here).


class Charter:
    def __init__(self, path, signature_paths=()):
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError as error:
            raise Unusable("cannot read the charter %s: %s" % (path, error))
        data = data[:-1] if data.endswith(b"\n") else data
        try:
            content = parse_canonical(data)
            if content.get("schema") != "concord.charter/v1":
                raise ValueError("schema is not concord.charter/v1")
            self.hash = sha256_hex(data)
            self.coordinator_name = content["coordinator"]["name"]
            self.coordinator_key = public_key(content["coordinator"]["public_key"], "the coordinator's key")
            self.participants = {
                p["name"]: public_key(p["public_key"], "the key of %s" % p["name"]) for p in content["participants"]
            }
            self.quorum = content["release"]["quorum"]
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise Unusable("%s is not a charter's canonical JSON: %s" % (path, error))
        self.signature_problems = None
        if signature_paths:
            self.signature_problems = self._check_signatures(data, signature_paths)

    def _check_signatures(self, data, paths):
        signed = set()
        problems = []
        for path in paths:
            try:
                with open(path, "rb") as handle:
                    raw = handle.read()
                record = parse_canonical(raw[:-1] if raw.endswith(b"\n") else raw)
                signer, signature = record["signer"], strict_base64(record["signature"], 64, "the signature")
            except (OSError, ValueError, KeyError, TypeError) as error:
                raise Unusable("%s is not a signature file: %s" % (path, error))
            key = self.participants.get(signer)
            if record.get("subject") != "charter" or record.get("sha256") != self.hash:
                problems.append("%s: a signature of another document" % path)
            elif key is None:
                problems.append("%s: %r is not a participant" % (path, signer))
            elif not valid_signature(key, signature, data):
                problems.append("%s: the signature of %r is invalid" % (path, signer))
            else:
                signed.add(signer)
        problems += ["participant %r has not signed" % n for n in sorted(self.participants) if n not in signed]
        return problems


# The audit log (Docs/governance-encoding.md, "Audit log").


def verify_log(data, charter, expected_head=None, require_seal=True):
    """Returns (failure, entries): failure is None or (index, reason) for the first bad entry."""
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    previous = ZERO_HASH
    hashes = []
    seal = None
    run = None  # (charter hash, whether every update must carry its participant's receipt) of the last run_started
    for position, line in enumerate(lines):
        try:
            entry = parse_canonical(line)
            if not isinstance(entry, dict) or set(entry) != ENTRY_KEYS:
                raise ValueError("an entry has exactly the members %s" % ", ".join(sorted(ENTRY_KEYS)))
            if entry["schema"] != "concord.audit-entry/v1":
                raise ValueError("schema is not concord.audit-entry/v1")
            index = entry["index"]
            if not isinstance(index, int) or isinstance(index, bool) or index < 0:
                raise ValueError("index must be an integer >= 0")
            if not isinstance(entry["timestamp"], str) or not TIMESTAMP.match(entry["timestamp"]):
                raise ValueError("timestamp must be ISO 8601 in UTC")
            if not isinstance(entry["kind"], str) or not entry["kind"]:
                raise ValueError("kind must be a name")
            if not isinstance(entry["previous"], str) or not HEX64.match(entry["previous"]):
                raise ValueError("previous must be 64 lowercase hex digits")
            witnesses = entry["witnesses"]
            if not isinstance(witnesses, list) or not all(isinstance(w, str) for w in witnesses):
                raise ValueError("witnesses must be a list of names")
            if not isinstance(entry["receipts"], list):
                raise ValueError("receipts must be a list")
            signature = entry["signature"]
            if signature is not None:
                signature = strict_base64(signature, 64, "signature")
            receipts = []
            for receipt in entry["receipts"]:
                if not isinstance(receipt, dict) or set(receipt) != {"participant", "signature"}:
                    raise ValueError('a receipt must be {"participant":...,"signature":...}')
                if not isinstance(receipt["participant"], str):
                    raise ValueError("a receipt's participant must be a name")
                receipts.append((receipt["participant"], strict_base64(receipt["signature"], 64, "a receipt")))
        except ValueError as error:
            return (position, str(error)), len(lines)
        if seal is not None:
            return (position, "an entry after the seal at entry %d" % seal), len(lines)
        if index != position:
            return (position, "claims index %d: an entry was deleted, inserted or moved" % index), len(lines)
        if signature is None:
            return (position, "the coordinator's signature is missing"), len(lines)
        if entry["previous"] != previous:
            return (position, "previous hash does not match the entry before: the chain is broken"), len(lines)
        body = {k: v for k, v in entry.items() if k not in ("signature", "receipts")}
        if not valid_signature(charter.coordinator_key, signature, canonical(body)):
            return (position, "the coordinator's signature is invalid"), len(lines)
        # The entry's hash covers the body and the coordinator's signature: everything but the receipts.
        entry_hash = sha256_hex(canonical({k: v for k, v in entry.items() if k != "receipts"}))
        seen = set()
        last = None
        for participant, receipt_signature in receipts:
            if last is not None and not last.encode("utf-8") < participant.encode("utf-8"):
                reason = "two receipts from %r" % participant if last == participant else "receipts out of order"
                return (position, reason), len(lines)
            last = participant
            seen.add(participant)
            if participant not in witnesses:
                return (position, "a receipt from %r, who is not a witness" % participant), len(lines)
            key = charter.participants.get(participant)
            if key is None:
                return (position, "a receipt from %r, who is not a participant" % participant), len(lines)
            signed = canonical(
                {"schema": "concord.audit-receipt/v1", "participant": participant, "index": index, "entry": entry_hash}
            )
            if not valid_signature(key, receipt_signature, signed):
                return (position, "the receipt of %r is invalid" % participant), len(lines)
        for witness in witnesses:
            if witness not in seen:
                return (position, "no receipt from the witness %r" % witness), len(lines)
        problem, run = _update_receipt_problem(entry, run, charter)
        if problem is not None:
            return (position, problem), len(lines)
        if entry["kind"] == "log_sealed":
            if entry["payload"] != {"entries": position + 1} or isinstance(entry["payload"].get("entries"), bool):
                return (position, "the seal must state the number of entries"), len(lines)
            seal = position
        hashes.append(entry_hash)
        previous = entry_hash
    if expected_head is not None:
        count, head = expected_head
        if len(hashes) < count:
            return (len(hashes), "missing: the log ends after %d entries, its head is at %d" % (len(hashes), count)), len(
                lines
            )
        if len(hashes) > count:
            return (count, "beyond the expected head of %d entries" % count), len(lines)
        if hashes[-1] != head:
            return (count - 1, "the last entry's hash is not the expected head"), len(lines)
        return None, len(lines)
    if not hashes:
        return (0, "the log is empty"), 0
    if require_seal and seal != len(hashes) - 1:
        return (len(hashes), "missing: the log ends without its seal (truncated)"), len(lines)
    return None, len(lines)


def _update_receipt_problem(entry, run, charter):
    """Checks an update's receipt (a real federation's node signs what it sends); returns (problem, run)."""
    payload = entry["payload"]
    if entry["kind"] == "run_started":
        if not isinstance(payload, dict) or not isinstance(payload.get("charter"), str):
            return "run_started names no charter", run
        return None, (payload["charter"], payload.get("update_receipts") is True)
    if entry["kind"] != "update_received" or not isinstance(payload, dict):
        return None, run
    if "receipt" not in payload:
        if run is not None and run[1]:
            return "the update carries no receipt from its participant", run
        return None, run
    if run is None:
        return "an update receipt outside any run (no run_started before it)", run
    participant, round_, update_hash = payload.get("participant"), payload.get("round"), payload.get("sha256")
    if not isinstance(participant, str) or not isinstance(round_, int) or not isinstance(update_hash, str):
        return "an update entry needs participant, round and sha256", run
    key = charter.participants.get(participant)
    if key is None:
        return "an update receipt from %r, who is not a participant" % participant, run
    try:
        signature = strict_base64(payload["receipt"], 64, "the update receipt")
    except ValueError as error:
        return str(error), run
    signed = canonical(
        {
            "schema": "concord.update-receipt/v1",
            "charter": run[0],
            "participant": participant,
            "round": round_,
            "sha256": update_hash,
        }
    )
    if not valid_signature(key, signature, signed):
        return "the update receipt of %r is invalid" % participant, run
    return None, run


# Releases (Docs/governance-encoding.md, "Release").


def verify_release(data, model_bytes, charter):
    """Returns (problems, manifest)."""
    data = data[:-1] if data.endswith(b"\n") else data
    try:
        release = parse_canonical(data)
        manifest, signatures = release["manifest"], release["signatures"]
        if set(release) != {"manifest", "signatures"} or manifest.get("schema") != "concord.release/v1":
            raise ValueError("not a concord.release/v1 release")
        head = (manifest["audit"]["entries"], manifest["audit"]["head"])
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise Unusable("not a release file: %s" % error)
    problems = []
    if charter.signature_problems:
        problems += ["the charter is not in force: %s" % p for p in charter.signature_problems]
    if manifest.get("charter") != charter.hash:
        problems.append("the manifest names another charter")
    model = manifest.get("model", {})
    if model.get("sha256") != sha256_hex(model_bytes) or model.get("bytes") != len(model_bytes):
        problems.append("the model file is not the released model")
    signed = canonical(manifest)
    valid = []
    for name in sorted(signatures):
        if name == charter.coordinator_name:
            key = charter.coordinator_key
        elif name in charter.participants:
            key = charter.participants[name]
        else:
            problems.append("a signature from %r, who is neither the coordinator nor a participant" % name)
            continue
        try:
            signature = strict_base64(signatures[name], 64, "the signature of %r" % name)
        except ValueError as error:
            problems.append(str(error))
            continue
        if not valid_signature(key, signature, signed):
            problems.append("the signature of %r is invalid" % name)
        elif name != charter.coordinator_name:
            valid.append(name)
    if charter.coordinator_name not in signatures:
        problems.append("the coordinator has not signed")
    if len(valid) < charter.quorum:
        problems.append("no quorum: %d valid participant signature(s), %d required" % (len(valid), charter.quorum))
    return problems, head


def _read(path, what):
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as error:
        raise Unusable("cannot read the %s %s: %s" % (what, path, error))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    audit = commands.add_parser("audit", help="verify an audit log")
    audit.add_argument("logs", nargs="+", metavar="LOG")
    audit.add_argument("--charter-json", required=True)
    audit.add_argument("--release", help="a release whose audit head the log must end at")
    audit.add_argument("--allow-unsealed", action="store_true")
    release = commands.add_parser("release", help="verify a release")
    release.add_argument("release")
    release.add_argument("--model", required=True)
    release.add_argument("--charter-json", required=True)
    release.add_argument("--charter-signatures", nargs="*", default=[])
    release.add_argument("--audit", help="the audit log, which must end at the release's head")
    args = parser.parse_args(argv)
    try:
        if args.command == "audit":
            charter = Charter(args.charter_json)
            head = None
            if args.release:
                _, head = verify_release(_read(args.release, "release"), b"", charter)
            status = 0
            for log in args.logs:
                failure, count = verify_log(_read(log, "audit log"), charter, head, not args.allow_unsealed)
                if failure:
                    print("%s: audit log INVALID: entry %d (line %d): %s" % (log, failure[0], failure[0] + 1, failure[1]))
                    status = 1
                else:
                    print("%s: audit log valid: %d entries, charter %s" % (log, count, charter.hash))
            return status
        charter = Charter(args.charter_json, args.charter_signatures)
        problems, head = verify_release(_read(args.release, "release"), _read(args.model, "model"), charter)
        if args.audit:
            failure, _ = verify_log(_read(args.audit, "audit log"), charter, head)
            if failure:
                problems.append("the audit log does not verify: entry %d: %s" % failure)
        if problems:
            print("release REFUSED:")
            for problem in problems:
                print("  - " + problem)
            return 1
        print("release ACCEPTED (charter %s)" % charter.hash)
        return 0
    except Unusable as error:
        sys.stderr.write("error: %s\n" % error)
        return 2


if __name__ == "__main__":
    sys.exit(main())
