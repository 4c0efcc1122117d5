//! Blocking wrappers for programs without an async runtime of their own
//! (the command-line tools, a forensic tool's batch job): each call runs its
//! own tokio runtime.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;

use tokio::sync::oneshot;

use crate::error::{Result, TransportError};
use crate::receiver::{Receiver, ReceiverConfig, ReceiverStats, StatsHandle};
use crate::sender::{Delivery, Destination, Progress, Sender, SenderConfig};

/// A runtime sized for this work: two worker threads (network and
/// protocol); files and verification run on its blocking pool.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("rogatory")
        .enable_all()
        .build()
        .map_err(TransportError::io("starting the runtime"))
}

/// Installs the handlers for SIGTERM and Ctrl-C (SIGINT) now and returns a
/// future that completes when either arrives. The handlers are in place
/// when this returns, so a signal sent right after a program reports that
/// it is ready is not lost to the default action. Must be called within a
/// tokio runtime.
pub fn shutdown_signal() -> Result<impl std::future::Future<Output = ()> + Send> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term =
            signal(SignalKind::terminate()).map_err(TransportError::io("handling SIGTERM"))?;
        let mut int =
            signal(SignalKind::interrupt()).map_err(TransportError::io("handling SIGINT"))?;
        Ok(async move {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async move {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}

/// Runs a receiver on `listen` until SIGTERM or Ctrl-C, or with `once`
/// until one delivery was answered with a receipt. `ready` is called with
/// the bound address before the first connection is accepted.
pub fn serve(
    cfg: ReceiverConfig,
    listen: SocketAddr,
    once: bool,
    ready: impl FnOnce(SocketAddr),
) -> Result<ReceiverStats> {
    runtime()?.block_on(async move {
        let receiver = Receiver::start(cfg, listen).await?;
        let shutdown = shutdown_signal()?;
        ready(receiver.local_addr()?);
        receiver.run(shutdown, once).await
    })
}

/// A receiver running on a thread of its own, for a program that also
/// sends (the demo, tests).
#[derive(Debug)]
pub struct BackgroundReceiver {
    addr: SocketAddr,
    stats: StatsHandle,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<Result<ReceiverStats>>>,
}

impl BackgroundReceiver {
    /// Starts a receiver on `listen` (recovery first) and returns once it
    /// listens.
    pub fn start(cfg: ReceiverConfig, listen: SocketAddr) -> Result<Self> {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("rogatory-recv".into())
            .spawn(move || -> Result<ReceiverStats> {
                let rt = match runtime() {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return Err(TransportError::Shutdown);
                    }
                };
                rt.block_on(async move {
                    let receiver = match Receiver::start(cfg, listen).await {
                        Ok(r) => r,
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return Err(TransportError::Shutdown);
                        }
                    };
                    let addr = receiver.local_addr();
                    let stats = receiver.stats();
                    let _ = ready_tx.send(addr.map(|a| (a, stats)));
                    receiver
                        .run(
                            async move {
                                let _ = stop_rx.await;
                            },
                            false,
                        )
                        .await
                })
            })
            .map_err(TransportError::io("starting the receiver thread"))?;
        let (addr, stats) = ready_rx.recv().map_err(|_| TransportError::Shutdown)??;
        Ok(Self {
            addr,
            stats,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its counters now.
    pub fn stats(&self) -> ReceiverStats {
        self.stats.get()
    }

    /// Stops it and waits for it to close.
    pub fn stop(mut self) -> Result<ReceiverStats> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> Result<ReceiverStats> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.thread.take() {
            Some(t) => t.join().map_err(|_| TransportError::Shutdown)?,
            None => Err(TransportError::Shutdown),
        }
    }
}

impl Drop for BackgroundReceiver {
    fn drop(&mut self) {
        if self.thread.is_some() {
            let _ = self.shutdown();
        }
    }
}

/// Delivers packages to `dest` over one connection (up to four at once) and
/// closes it. One result per package, in order.
pub fn send(
    cfg: SenderConfig,
    dest: Destination,
    packages: &[PathBuf],
    progress: Arc<dyn Progress>,
) -> Result<Vec<Result<Delivery>>> {
    let parallel = usize::try_from(cfg.limits.max_streams_per_peer).unwrap_or(1);
    runtime()?.block_on(async move {
        let sender = Sender::new(cfg, dest)?;
        let results = sender.deliver_all(packages, parallel, progress).await;
        sender.close().await;
        Ok(results)
    })
}
