//! A bare QUIC stream with exactly the link of a delivery (the same TLS
//! configurations and pinning, transport settings, windows and socket
//! buffers), carrying a file's bytes with no session protocol on top: the
//! baseline against which the benchmarks measure what framing, the partial
//! file and its fsyncs cost (benches/README.md). Not used by deliveries.

use std::fs::File;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use rogatory_core::{Identity, TrustStore};
use rogatory_wire::TrustEntry;
use tokio::sync::mpsc;

use crate::config::{self, Limits};
use crate::error::{Result, TransportError, from_connection};
use crate::{run_blocking, tls};

/// The receiving end: one connection, one stream, copied into a file.
#[derive(Debug)]
pub struct BareReceiver {
    endpoint: quinn::Endpoint,
}

impl BareReceiver {
    /// Listens on `listen` with the receiver's TLS and transport settings.
    /// Must be called inside a tokio runtime.
    pub fn start(
        identity: &Identity,
        trust: Arc<TrustStore>,
        limits: &Limits,
        listen: SocketAddr,
    ) -> Result<Self> {
        let tls = tls::server_config(identity, trust)?;
        let server = config::quic_server_config(tls, limits)?;
        Ok(Self {
            endpoint: config::endpoint(listen, Some(server))?,
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> Result<SocketAddr> {
        self.endpoint
            .local_addr()
            .map_err(TransportError::io("reading the local address"))
    }

    /// Accepts one connection and one stream, writes what arrives to `sink`
    /// and fsyncs it. Returns the bytes and when the last was written.
    pub async fn receive_one(&self, sink: PathBuf) -> Result<(u64, Instant)> {
        let incoming = self
            .endpoint
            .accept()
            .await
            .ok_or(TransportError::Shutdown)?;
        let conn = incoming.accept()?.await.map_err(from_connection)?;
        let (mut send, mut recv) = conn.accept_bi().await.map_err(from_connection)?;
        let file = File::create(&sink).map_err(TransportError::io("creating the sink"))?;
        let mut file = Some(file);
        let mut total = 0u64;
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let mut filled = 0;
            while filled < buf.len() {
                match recv.read(&mut buf[filled..]).await? {
                    Some(n) => filled += n,
                    None => break,
                }
            }
            if filled == 0 {
                break;
            }
            let mut f = file.take().ok_or(TransportError::Shutdown)?;
            let (f, b) = run_blocking(move || {
                let r = f.write_all(&buf[..filled]).map(|()| (f, buf));
                r.map_err(TransportError::io("writing the sink"))
            })
            .await??;
            file = Some(f);
            buf = b;
            total += filled as u64;
        }
        let f = file.take().ok_or(TransportError::Shutdown)?;
        run_blocking(move || {
            f.sync_data()
                .map_err(TransportError::io("syncing the sink"))
        })
        .await??;
        let done = Instant::now();
        send.write_all(b"ok").await?;
        send.finish()
            .map_err(|e| TransportError::Connection(e.to_string()))?;
        let _ = send.stopped().await;
        Ok((total, done))
    }
}

/// Connects to `addr` as `identity` (pinning `receiver`'s card), sends the
/// file at `source` on one stream in `chunk`-byte writes and waits for the
/// receiver's acknowledgement. Returns the bytes and when the stream was
/// opened (after the handshake).
pub async fn bare_send(
    identity: &Identity,
    receiver: &TrustEntry,
    limits: &Limits,
    addr: SocketAddr,
    source: &Path,
    chunk: usize,
) -> Result<(u64, Instant)> {
    let tls = tls::client_config(identity, receiver)?;
    let client = config::quic_client_config(tls, limits)?;
    let bind: SocketAddr = (std::net::Ipv4Addr::UNSPECIFIED, 0).into();
    let endpoint = config::endpoint(bind, None)?;
    let conn = endpoint
        .connect_with(client, addr, tls::SERVER_NAME)
        .map_err(|e| TransportError::Connection(e.to_string()))?
        .await
        .map_err(from_connection)?;
    let started = Instant::now();
    let (mut send, mut recv) = conn.open_bi().await.map_err(from_connection)?;
    let size = std::fs::metadata(source)
        .map_err(TransportError::io("reading the source"))?
        .len();
    let (tx, mut rx) = mpsc::channel::<Result<Vec<u8>>>(4);
    let path = source.to_owned();
    let reader = tokio::task::spawn_blocking(move || {
        crate::sender::read_chunks(&path, 0, size, chunk, &tx);
    });
    let mut total = 0u64;
    while let Some(buf) = rx.recv().await {
        let buf = buf?;
        send.write_all(&buf).await?;
        total += buf.len() as u64;
    }
    let _ = reader.await;
    send.finish()
        .map_err(|e| TransportError::Connection(e.to_string()))?;
    let mut ack = [0u8; 2];
    recv.read_exact(&mut ack)
        .await
        .map_err(|e| TransportError::Connection(e.to_string()))?;
    conn.close(quinn::VarInt::from_u32(0), b"done");
    endpoint.wait_idle().await;
    Ok((total, started))
}
