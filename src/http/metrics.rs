//! The metrics listener: a second, minimal HTTP server bound only to `[metrics] listen`, serving
//! `GET /metrics` in the Prometheus text format. The main listener has no such route, so the
//! metrics are reachable only where an operator chose to bind them.

use std::net::{SocketAddr, TcpListener};

use actix_web::dev::Server;
use actix_web::{web, App, HttpResponse, HttpServer};

use crate::db::Pool;
use crate::metrics::{render, PoolGauges};

/// Binds the metrics address; the error is one line for the operator.
pub fn bind(addr: SocketAddr) -> Result<TcpListener, String> {
    TcpListener::bind(addr).map_err(|e| format!("cannot listen for metrics on {addr}: {e}"))
}

/// Serves `/metrics` on `listener`, reading the pool's state at each scrape. Signals are left to
/// the main server, which stops this one when it stops.
pub fn serve(listener: TcpListener, pool: Pool) -> Result<Server, String> {
    let pool = web::Data::new(pool);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(pool.clone())
            .route("/metrics", web::get().to(scrape))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)
    .map_err(|e| format!("cannot serve metrics: {e}"))?
    .run();
    Ok(server)
}

async fn scrape(pool: web::Data<Pool>) -> HttpResponse {
    let state = pool.state();
    let body = render(Some(PoolGauges {
        max: pool.max_size(),
        connections: state.connections,
        idle: state.idle_connections,
    }));
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body)
}
