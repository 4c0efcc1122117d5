//! Limits and the QUIC settings both sides share: windows, timeouts, stream
//! counts, socket buffers.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use quinn::crypto::rustls::{QuicClientConfig, QuicServerConfig};
use quinn::{IdleTimeout, TransportConfig, VarInt};

use crate::error::{Result, TransportError};

/// UDP socket buffers, both directions (DESIGN §7: 4 MiB removed packet
/// loss on loopback).
pub const SOCKET_BUFFER: usize = 4 << 20;
/// Flow-control window of one stream.
pub const STREAM_WINDOW: u32 = 8 << 20;
/// Flow-control window of a connection, and what a sender buffers
/// unacknowledged.
pub const CONNECTION_WINDOW: u32 = 16 << 20;

/// The resource limits of a receiver and the patience of a sender.
#[derive(Debug, Clone)]
pub struct Limits {
    /// The largest package a receiver accepts (larger offers get `TooLarge`
    /// before any data).
    pub max_package_size: u64,
    /// Deliveries (streams) one peer party may run at once, across all its
    /// connections; also the stream limit of one connection.
    pub max_streams_per_peer: u32,
    /// Connections a receiver holds at once; further ones are refused.
    pub max_connections: usize,
    /// Time allowed for the QUIC and TLS handshake.
    pub handshake_timeout: Duration,
    /// QUIC idle timeout, and the longest a peer may stay silent inside a
    /// session (between two frames).
    pub idle_timeout: Duration,
    /// The slowest average rate a sender may keep (bytes per second): a
    /// session gets `idle_timeout + size / min_rate` for its data phase.
    pub min_rate: u64,
    /// The rate at which a sender expects the receiver to verify what it
    /// received: it waits `idle_timeout + size / verify_rate` for the
    /// receipt after the last byte.
    pub verify_rate: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_package_size: 256 << 30,
            max_streams_per_peer: 4,
            max_connections: 64,
            handshake_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            min_rate: 64 << 10,
            verify_rate: 20 << 20,
        }
    }
}

impl Limits {
    /// How long the data phase of a package of `size` bytes may take.
    pub fn data_deadline(&self, size: u64) -> Duration {
        self.idle_timeout + Duration::from_secs(size / self.min_rate.max(1))
    }

    /// How long a sender waits for the answer after the last byte.
    pub fn answer_deadline(&self, size: u64) -> Duration {
        self.idle_timeout + Duration::from_secs(size / self.verify_rate.max(1))
    }
}

/// The QUIC transport settings of one side. Keep-alives at a quarter of the
/// idle timeout hold a connection open while the receiver verifies; the
/// application's own timeouts decide when a silent peer is cut off.
pub fn transport_config(limits: &Limits, server: bool) -> Result<TransportConfig> {
    let idle = IdleTimeout::try_from(limits.idle_timeout)
        .map_err(|_| TransportError::Usage("idle timeout out of range".into()))?;
    let mut t = TransportConfig::default();
    t.max_idle_timeout(Some(idle))
        .keep_alive_interval(Some(limits.idle_timeout / 4))
        .stream_receive_window(VarInt::from_u32(STREAM_WINDOW))
        .receive_window(VarInt::from_u32(CONNECTION_WINDOW))
        .send_window(u64::from(CONNECTION_WINDOW))
        .max_concurrent_uni_streams(VarInt::from_u32(0))
        .max_concurrent_bidi_streams(VarInt::from_u32(if server {
            limits.max_streams_per_peer
        } else {
            0
        }));
    Ok(t)
}

/// A UDP socket with [`SOCKET_BUFFER`] buffers, bound to `addr`.
pub fn bind_udp(addr: SocketAddr) -> Result<std::net::UdpSocket> {
    use socket2::{Domain, Protocol, Socket, Type};
    let ctx = || format!("binding UDP {addr}");
    let s = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))
        .map_err(TransportError::io(ctx()))?;
    if let Err(e) = s.set_recv_buffer_size(SOCKET_BUFFER) {
        tracing::warn!(error = %e, "could not set the UDP receive buffer");
    }
    if let Err(e) = s.set_send_buffer_size(SOCKET_BUFFER) {
        tracing::warn!(error = %e, "could not set the UDP send buffer");
    }
    s.bind(&addr.into()).map_err(TransportError::io(ctx()))?;
    s.set_nonblocking(true).map_err(TransportError::io(ctx()))?;
    Ok(s.into())
}

/// A QUIC endpoint on `addr` with our socket buffers: a server when
/// `server` is given, else a client only. Must run inside a tokio runtime.
pub fn endpoint(addr: SocketAddr, server: Option<quinn::ServerConfig>) -> Result<quinn::Endpoint> {
    let socket = bind_udp(addr)?;
    quinn::Endpoint::new(
        quinn::EndpointConfig::default(),
        server,
        socket,
        Arc::new(quinn::TokioRuntime),
    )
    .map_err(TransportError::io(format!("starting QUIC on {addr}")))
}

/// quinn's server configuration around our rustls configuration.
pub fn quic_server_config(
    tls: rustls::ServerConfig,
    limits: &Limits,
) -> Result<quinn::ServerConfig> {
    let crypto =
        QuicServerConfig::try_from(tls).map_err(|e| TransportError::TlsConfig(e.to_string()))?;
    let mut cfg = quinn::ServerConfig::with_crypto(Arc::new(crypto));
    cfg.transport_config(Arc::new(transport_config(limits, true)?));
    cfg.migration(false);
    Ok(cfg)
}

/// quinn's client configuration around our rustls configuration.
pub fn quic_client_config(
    tls: rustls::ClientConfig,
    limits: &Limits,
) -> Result<quinn::ClientConfig> {
    let crypto =
        QuicClientConfig::try_from(tls).map_err(|e| TransportError::TlsConfig(e.to_string()))?;
    let mut cfg = quinn::ClientConfig::new(Arc::new(crypto));
    cfg.transport_config(Arc::new(transport_config(limits, false)?));
    Ok(cfg)
}
