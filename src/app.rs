//! The application factory, used by `gatehouse serve` and by every integration test: migrate,
//! build the pool, bootstrap an empty database, bind, and serve.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_http::{HttpService, KeepAlive, Protocol};
use actix_service::{fn_service, map_config, IntoServiceFactory, ServiceFactoryExt};
use actix_web::dev::{AppConfig, Server};
use actix_web::{middleware, web, App};
use tokio::net::TcpStream;

use crate::bootstrap::{bootstrap_if_empty, BootstrapOutput, BootstrapRequest};
use crate::config::Settings;
use crate::db::{self, PoolSettings};
use crate::http::request_target::RewriteTargets;
use crate::http::{self, AppState};
use crate::idp::jwks_url::JwksNetworkPolicy;
use crate::tokens::cache::CredentialCache;

/// A built, not yet awaited, server.
pub struct Application {
    port: u16,
    server: Server,
    /// The metrics listener's port and server, when `[metrics] listen` is set.
    metrics: Option<(u16, Server)>,
    /// The credentials created if this start bootstrapped an empty database.
    pub bootstrap: Option<BootstrapOutput>,
    pub state: AppState,
}

impl Application {
    /// Prepares the database and binds the listener; the error is one line for the operator.
    pub async fn build(settings: Settings) -> Result<Application, String> {
        let url = settings.database.url.clone();
        let applied = web::block(move || db::migrate(&url))
            .await
            .map_err(|e| format!("migration task failed: {e}"))??;
        if !applied.is_empty() {
            tracing::info!(migrations = ?applied, "applied database migrations");
        }
        let pool = db::build_pool(
            &settings.database.url,
            &PoolSettings {
                max_connections: settings.database.max_connections,
                acquire_timeout: Duration::from_millis(settings.database.acquire_timeout_ms),
            },
        )?;
        let listener = TcpListener::bind(settings.listen)
            .map_err(|e| format!("cannot listen on {}: {e}", settings.listen))?;
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        let metrics_listener = match settings.metrics.listen_addr()? {
            Some(addr) => Some(http::metrics::bind(addr)?),
            None => None,
        };
        let mut settings = settings;
        if settings.public_url.is_empty() && settings.listen.port() == 0 {
            settings.public_url = format!("http://{}:{port}", settings.listen.ip());
        }
        let base_url = settings.base_url();
        let credential_ttl = Duration::from_secs(settings.scim.credential_cache_seconds);
        let auth_failures =
            http::auth_limit::FailedAuthLimiter::new(settings.auth.failures_per_minute);
        let jwt = crate::idp::jwt::JwtVerifier::new().with_network(JwksNetworkPolicy {
            allow_private_networks: settings.idp.jwks_allow_private_networks,
        });
        let state = AppState {
            grant_uses: crate::governance::actors::used_grants::GrantUseLog::new(pool.clone()),
            pool,
            settings: Arc::new(settings),
            base_url,
            limiter: Default::default(),
            auth_failures,
            jwt,
            scim_credentials: CredentialCache::new(credential_ttl),
            admin_credentials: CredentialCache::new(credential_ttl),
            decisions: Default::default(),
            levels: Default::default(),
        };

        let bootstrap = {
            let state = state.clone();
            let req = BootstrapRequest {
                org_name: state.settings.bootstrap.org_name.clone(),
                domain: state.settings.bootstrap.domain.clone(),
                admin_email: state.settings.bootstrap.admin_email.clone(),
            };
            web::block(move || {
                let mut conn = db::checkout(&state.pool).map_err(|e| e.to_string())?;
                bootstrap_if_empty(&mut conn, &req, &state.base_url).map_err(|e| e.to_string())
            })
            .await
            .map_err(|e| format!("bootstrap task failed: {e}"))?
            .map_err(|e| format!("bootstrap failed: {e}"))?
        };

        let server = serve(listener, state.clone())?;
        let metrics = match metrics_listener {
            Some(listener) => {
                let port = listener.local_addr().map_err(|e| e.to_string())?.port();
                Some((port, http::metrics::serve(listener, state.pool.clone())?))
            }
            None => None,
        };
        Ok(Application {
            port,
            server,
            metrics,
            bootstrap,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port `/metrics` is served on, if metrics are on.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(|(port, _)| *port)
    }

    /// Serves until the server is stopped (SIGTERM and SIGINT stop it gracefully); the metrics
    /// listener runs beside it and stops with it.
    ///
    /// The outbox worker (`[outbox] worker`) runs beside it too, and stops after its attempt
    /// in progress once the server has stopped.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let worker = match self.outbox_worker() {
            Ok(worker) => worker,
            Err(e) => {
                tracing::error!(error = %e, "the outbox worker cannot start");
                None
            }
        };
        let metrics = self.metrics.map(|(_, server)| {
            let handle = server.handle();
            actix_web::rt::spawn(server);
            handle
        });
        let outcome = self.server.await;
        if let Some(handle) = metrics {
            handle.stop(true).await;
        }
        if let Some(worker) = worker {
            worker.stop().await;
        }
        outcome
    }

    fn outbox_worker(&self) -> Result<Option<crate::outbox::worker::WorkerHandle>, String> {
        let settings = &self.state.settings;
        if !settings.outbox.worker {
            return Ok(None);
        }
        let mailer = crate::outbox::email::Mailer::from_settings(&settings.smtp)?;
        crate::outbox::worker::spawn(self.state.pool.clone(), settings.outbox.clone(), mailer)
            .map(Some)
    }
}

fn serve(listener: TcpListener, state: AppState) -> Result<Server, String> {
    let workers = match state.settings.http.workers {
        0 => std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2),
        n => n,
    };
    let max_body = state.settings.http.max_body_bytes;
    // Database work runs on each worker's blocking threads. More threads than pooled
    // connections would only wait for one, and every extra thread costs wake-ups and cache.
    let pool_size = usize::try_from(state.pool.max_size()).unwrap_or(usize::MAX);
    let blocking_threads = pool_size.div_ceil(workers).max(2);
    let data = web::Data::new(state);
    let local_addr = listener
        .local_addr()
        .map_err(|e| format!("cannot serve: {e}"))?;
    // What `HttpServer::listen` does, except that each connection is read through
    // `RewriteTargets`: `HttpServer` only takes listeners, not a wrapper around the stream.
    let builder = Server::build();
    let shutdown = builder.graceful_shutdown_signal();
    let server = builder
        .workers(workers)
        .worker_max_blocking_threads(blocking_threads)
        .shutdown_timeout(20)
        .listen("gatehouse-http", listener, move || {
            let app = App::new()
                .app_data(data.clone())
                .app_data(web::PayloadConfig::new(max_body))
                .app_data(web::JsonConfig::default().limit(max_body))
                .wrap(middleware::from_fn(http::request_context))
                .configure(http::configure)
                .into_factory()
                .map_err(|e: actix_web::Error| e.error_response());
            let shutdown = shutdown.clone();
            let service = HttpService::build()
                .graceful_shutdown_signal(move || {
                    let shutdown = shutdown.clone();
                    async move { shutdown.notified().await }
                })
                .keep_alive(KeepAlive::default())
                .client_request_timeout(Duration::from_secs(5))
                .client_disconnect_timeout(Duration::from_secs(1))
                .h1_allow_half_closed(true)
                .local_addr(local_addr)
                .finish(map_config(app, |_| AppConfig::default()));
            fn_service(|io: TcpStream| async move {
                let peer_addr = io.peer_addr().ok();
                Ok((RewriteTargets::new(io), Protocol::Http1, peer_addr))
            })
            .and_then(service)
        })
        .map_err(|e| format!("cannot serve: {e}"))?
        .run();
    Ok(server)
}
