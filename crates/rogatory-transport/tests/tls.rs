//! THREATS #13 at the link: the receiver speaks TLS 1.3 only. A client that
//! offers TLS 1.2 (its ClientHello carries no `supported_versions`
//! extension, RFC 8446 §4.2.1) is refused by the receiver's TLS
//! configuration with a `protocol_version` alert, before any certificate or
//! application byte. (QUIC itself requires TLS 1.3, RFC 9001 §4.2; this
//! checks that the receiver's own configuration does not rely on that.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::sync::Arc;

use common::*;
use rogatory_transport::tls;

/// A TLS 1.2 ClientHello: ECDHE-ECDSA and ECDHE-RSA with AES-128-GCM, X25519,
/// ECDSA-P256-SHA256, ALPN `rogatory/1`, and no `supported_versions`.
fn tls12_client_hello() -> Vec<u8> {
    let alpn = b"rogatory/1";
    let mut ext = Vec::new();
    let mut put = |ty: u16, body: &[u8]| {
        ext.extend(ty.to_be_bytes());
        ext.extend((body.len() as u16).to_be_bytes());
        ext.extend(body);
    };
    put(0x000a, &[0x00, 0x02, 0x00, 0x1d]); // supported_groups: x25519
    put(0x000b, &[0x01, 0x00]); // ec_point_formats: uncompressed
    put(0x000d, &[0x00, 0x02, 0x04, 0x03]); // signature_algorithms
    let mut a = vec![0x00, (alpn.len() + 1) as u8, alpn.len() as u8];
    a.extend(alpn);
    put(0x0010, &a); // ALPN
    let mut body = vec![0x03, 0x03]; // legacy_version TLS 1.2
    body.extend([0x42; 32]); // random
    body.push(0); // session id
    body.extend([0x00, 0x04, 0xc0, 0x2b, 0xc0, 0x2f]); // cipher suites
    body.extend([0x01, 0x00]); // compression: null
    body.extend((ext.len() as u16).to_be_bytes());
    body.extend(ext);
    let mut hs = vec![0x01];
    hs.extend(&(body.len() as u32).to_be_bytes()[1..]);
    hs.extend(body);
    let mut record = vec![0x16, 0x03, 0x01];
    record.extend((hs.len() as u16).to_be_bytes());
    record.extend(hs);
    record
}

#[test]
fn downgrade_a_tls_1_2_client_is_refused_by_the_receiver() {
    let receiver = identity("fr.pnat");
    let sender = identity("de.bka");
    let store = trust(&[(&receiver, &[]), (&sender, &[])]);
    let cfg = tls::server_config(&receiver, store).unwrap();
    let mut server = rustls::ServerConnection::new(Arc::new(cfg)).unwrap();
    let hello = tls12_client_hello();
    server.read_tls(&mut &hello[..]).unwrap();
    let err = server.process_new_packets().unwrap_err();
    assert!(
        matches!(err, rustls::Error::PeerIncompatible(_)),
        "a TLS 1.2 ClientHello must be refused as incompatible, got {err:?}"
    );
    // The answer is a fatal alert, protocol_version (70), and nothing else:
    // no ServerHello, no certificate.
    let mut out = Vec::new();
    while server.wants_write() {
        server.write_tls(&mut out).unwrap();
    }
    assert_eq!(&out[..1], &[0x15], "an alert record");
    assert_eq!(&out[out.len() - 2..], &[0x02, 70], "fatal protocol_version");
    assert!(server.peer_certificates().is_none());

    // A well-formed TLS 1.3 offer to the same configuration proceeds past the
    // version check (the control: it is the version that is refused).
    let entry = trust(&[(&receiver, &[])])
        .require(&rogatory_core::Signer::key_id(receiver.as_ref()))
        .unwrap()
        .clone();
    let client_cfg = tls::client_config(&sender, &entry).unwrap();
    let mut client = rustls::ClientConnection::new(
        Arc::new(client_cfg),
        rustls::pki_types::ServerName::try_from("rogatory.invalid").unwrap(),
    )
    .unwrap();
    let mut hello13 = Vec::new();
    client.write_tls(&mut hello13).unwrap();
    let cfg = tls::server_config(&receiver, trust(&[(&receiver, &[]), (&sender, &[])])).unwrap();
    let mut server = rustls::ServerConnection::new(Arc::new(cfg)).unwrap();
    server.read_tls(&mut &hello13[..]).unwrap();
    server.process_new_packets().unwrap();
}
