"""A QUIC sender (spec §13) on PyPI ``aioquic``: mutual TLS 1.3 pinned by party cards,
the session protocol of §13.3 (offer, accept, data, receipt / reject) and the receipt
check of §10.5.

The server's certificate is not checked by a CA (``verify_mode`` none, §13.1: chains,
names and dates are not checked); its pin -- SHA-256 of the DER SubjectPublicKeyInfo of
its leaf certificate -- is compared with the receiver's current card after the handshake,
before anything is written on a stream, and the connection is closed on a mismatch.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from aioquic.asyncio import connect
from aioquic.asyncio.protocol import QuicConnectionProtocol
from aioquic.quic.configuration import QuicConfiguration
from aioquic.tls import CipherSuite
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from . import primitives as P
from .container import read_package
from .custody import check_receipt
from .encoding import Variant
from .errors import DecodeError, RogatoryError
from .keys import KeyFile, TrustStore
from .package import verify
from .seal import prepare_send
from .structures import CUSTODY_EVENT, DATA_FRAME_MAX, FRAME, FRAME_MAX, decode

ALPN = "rogatory/1"
IDLE_TIMEOUT = 30.0
HANDSHAKE_TIMEOUT = 10.0
VERIFY_RATE = 20 * 1024 * 1024
RETRYABLE = {"Busy", "Timeout", "StoreFailure"}


@dataclass
class DeliveryResult:
    """What a delivery attempt ended with."""

    outcome: str  # "ok", "reject", "refused", "pin_mismatch", "receipt_invalid", "timeout", "error"
    detail: str = ""
    reason: Optional[str] = None
    receipt_path: Optional[Path] = None
    sent: str = ""
    log: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"outcome": self.outcome, "sent_event": self.sent, "log": self.log}
        if self.detail:
            out["detail"] = self.detail
        if self.reason:
            out["reason"] = self.reason
        if self.receipt_path:
            out["receipt"] = str(self.receipt_path)
        return out


def frame_bytes(frame: Variant) -> bytes:
    """``u32le(len) || encode(Frame)`` (§13.2)."""
    enc = FRAME.encode(frame)
    return len(enc).to_bytes(4, "little") + enc


async def read_frame(reader: asyncio.StreamReader, timeout: float) -> Variant:
    """Read one frame, refusing a length above ``FRAME_MAX`` before reading it (§13.2)."""
    hdr = await asyncio.wait_for(reader.readexactly(4), timeout)
    n = int.from_bytes(hdr, "little")
    if n > FRAME_MAX:
        raise RogatoryError("malformed", f"frame length {n} above FRAME_MAX")
    body = await asyncio.wait_for(reader.readexactly(n), timeout)
    try:
        return decode("frame", body)
    except DecodeError as e:
        raise RogatoryError("malformed", f"frame: {e.cls}") from None


def client_configuration(key: KeyFile) -> QuicConfiguration:
    """TLS 1.3 (QUIC), AES-GCM suites only, ALPN ``rogatory/1``, the party's own cert."""
    if key.tls_key_der is None or key.tls_cert_der is None:
        raise RogatoryError("usage", "the key file holds no TLS key")
    cfg = QuicConfiguration(
        is_client=True,
        alpn_protocols=[ALPN],
        verify_mode=ssl.CERT_NONE,
        idle_timeout=IDLE_TIMEOUT,
        cipher_suites=[CipherSuite.AES_128_GCM_SHA256, CipherSuite.AES_256_GCM_SHA384],
    )
    cfg.certificate = x509.load_der_x509_certificate(key.tls_cert_der)
    cfg.private_key = serialization.load_der_private_key(key.tls_key_der, None)
    return cfg


def peer_pin(protocol: QuicConnectionProtocol) -> Optional[bytes]:
    """SHA-256 of the DER SubjectPublicKeyInfo of the server's leaf certificate."""
    cert = getattr(protocol._quic.tls, "_peer_certificate", None)  # noqa: SLF001 - aioquic API
    if cert is None:
        return None
    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return P.sha256(spki)


def peer_refusal(protocol: QuicConnectionProtocol) -> Optional[str]:
    """Why the peer closed the connection, if it refused us.

    In TLS 1.3 the client's handshake completes before the server has checked the client
    certificate, so a receiver that admits no card with the client's pin (§13.1) closes
    the connection afterwards: with a QUIC CRYPTO_ERROR (0x100 + TLS alert) or the
    application close code 1 ("refuses the peer", §13.1).
    """
    ev = getattr(protocol._quic, "_close_event", None)  # noqa: SLF001 - aioquic API
    if ev is None:
        return None
    code = ev.error_code
    if 0x100 <= code <= 0x1FF:
        return f"handshake refused by the receiver: TLS alert {code - 0x100} ({ev.reason_phrase})"
    if ev.frame_type is None and code == 1:
        return f"refused by the receiver: application close 1 ({ev.reason_phrase})"
    return None


async def _one_attempt(
    host: str, port: int, key: KeyFile, trust: TrustStore, receiver_kid: bytes, pin: bytes,
    data: bytes, package_id: bytes, pkg_path: Path, log: list[str],
) -> DeliveryResult:
    cfg = client_configuration(key)
    size, digest = len(data), P.blake3(data)
    try:
        cm = connect(host, port, configuration=cfg, wait_connected=False)
        protocol = await asyncio.wait_for(cm.__aenter__(), HANDSHAKE_TIMEOUT)
    except (ConnectionError, OSError, asyncio.TimeoutError) as e:
        return DeliveryResult("refused", f"connection: {type(e).__name__} {e}", log=log)
    try:
        protocol.transmit()  # connect(wait_connected=False) does not send the first flight
        try:
            await asyncio.wait_for(protocol.wait_connected(), HANDSHAKE_TIMEOUT)
        except (ConnectionError, asyncio.TimeoutError) as e:
            return DeliveryResult("refused", f"handshake refused: {type(e).__name__} {e}", log=log)
        tls = protocol._quic.tls  # noqa: SLF001
        suite = tls.key_schedule.cipher_suite.name if tls.key_schedule is not None else "?"
        log.append(f"handshake: alpn={tls.alpn_negotiated} suite={suite}")
        if tls.alpn_negotiated != ALPN:
            protocol.close(error_code=1)
            return DeliveryResult("error", f"ALPN {tls.alpn_negotiated!r}", log=log)
        got = peer_pin(protocol)
        if got != pin:
            protocol.close(error_code=1, reason_phrase="pin mismatch")
            return DeliveryResult("pin_mismatch", "the server certificate is not the receiver card's pin", log=log)
        log.append("server pin matches the receiver's card")
        reader, writer = await protocol.create_stream()
        writer.write(frame_bytes(Variant("Offer", {"package_id": package_id, "bytes_digest": digest, "size": size})))
        ans = await read_frame(reader, IDLE_TIMEOUT)
        log.append(f"answer to offer: {ans.name}")
        if ans.name == "Accept":
            off = ans.value["offset"]
            if off > size:
                return DeliveryResult("error", f"accept offset {off} beyond size", log=log)
            pos = off
            while pos < size:
                chunk = data[pos : pos + DATA_FRAME_MAX]
                writer.write(frame_bytes(Variant("Data", {"offset": pos, "payload": chunk})))
                pos += len(chunk)
                await writer.drain()
            writer.write_eof()
            log.append(f"sent {size - off} bytes from offset {off}")
            ans = await read_frame(reader, IDLE_TIMEOUT + size / VERIFY_RATE)
            log.append(f"answer after data: {ans.name}")
        if ans.name == "Reject":
            reason = ans.value["reason"].name
            return DeliveryResult("reject", ans.value["detail"], reason=reason, log=log)
        if ans.name not in ("Receipt", "AlreadyHave"):
            return DeliveryResult("error", f"unexpected frame {ans.name}", log=log)
        receipt = CUSTODY_EVENT.encode(ans.value["receipt"])
        # §13.3 step 9: check the receipt against our own copy, and its actor
        copy = read_package(data, None)
        v = verify(copy, trust)
        try:
            check_receipt(data, copy.events, copy.event_bytes, v.digest, receipt, trust)
        except RogatoryError as e:
            return DeliveryResult("receipt_invalid", e.detail, log=log)
        if ans.value["receipt"]["clear"]["actor"] != receiver_kid:
            return DeliveryResult("receipt_invalid", "receipt not signed by the party connected to", log=log)
        out = pkg_path.with_name(pkg_path.name + ".receipt")
        tmp = out.with_name(out.name + ".tmp")
        tmp.write_bytes(receipt)
        tmp.replace(out)
        log.append(f"receipt verified, stored as {out.name}")
        protocol.close(error_code=0)
        return DeliveryResult("ok", receipt_path=out, log=log)
    except (asyncio.TimeoutError, asyncio.IncompleteReadError, ConnectionError) as e:
        refused = peer_refusal(protocol)
        if refused:
            return DeliveryResult("refused", refused, log=log)
        return DeliveryResult("timeout" if isinstance(e, asyncio.TimeoutError) else "error",
                              f"{type(e).__name__}: {e}", log=log)
    finally:
        try:
            await asyncio.wait_for(cm.__aexit__(None, None, None), 5)
        except Exception:  # noqa: BLE001 - closing is best effort
            pass


async def deliver_async(
    pkg_path: Path, key: KeyFile, trust: TrustStore, to_party: str, host: str, port: int,
    attempts: int = 3, now: Optional[int] = None,
) -> DeliveryResult:
    """Deliver one package (§13.3): prepare (append ``sent`` once), then attempt, retrying
    only ``Busy``/``Timeout``/``StoreFailure`` and lost connections."""
    t = int(time.time()) if now is None else now
    entry = trust.current(to_party, t)
    if entry is None:
        return DeliveryResult("error", f"no current card of {to_party} in the trust store")
    sent = prepare_send(pkg_path, key, trust, entry, t)
    data = pkg_path.read_bytes()
    package_id = data[12:28]
    log: list[str] = [f"sent event {sent}"]
    wait = 0.5
    res = DeliveryResult("error", "no attempt")
    for i in range(attempts):
        res = await _one_attempt(host, port, key, trust, entry.key_id, entry.card.tls_spki_sha256,
                                 data, package_id, pkg_path, log)
        res.sent = sent
        retry = (res.outcome == "reject" and res.reason in RETRYABLE) or res.outcome in ("timeout", "error")
        if not retry or i == attempts - 1:
            return res
        await asyncio.sleep(wait)
        wait = min(wait * 2, 15)
    return res


def deliver(pkg_path: Path, key: KeyFile, trust: TrustStore, to: str, attempts: int = 3) -> DeliveryResult:
    """``PARTY@HOST:PORT`` form of :func:`deliver_async`."""
    party, addr = to.split("@", 1)
    host, port = addr.rsplit(":", 1)
    return asyncio.run(deliver_async(pkg_path, key, trust, party, host, int(port), attempts))

