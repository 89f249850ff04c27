//! The one table of `/api/v1` routes. Each handler module adds its routes to an [`ApiRoutes`];
//! `configure` mounts the table on actix and [`registered`] lists the same table as
//! `(method, path)`, so the OpenAPI test compares the document with what is really served, not
//! with a hand-kept list. A module only ever sees an `ApiRoutes`, never actix's `ServiceConfig`,
//! so no route can be mounted around the table.

use actix_web::http::Method;
use actix_web::{web, FromRequest, Handler, Responder};

/// Where every admin API route is mounted.
pub const API_BASE: &str = "/api/v1";

/// Routes being mounted on actix, or only listed.
pub struct ApiRoutes<'a> {
    cfg: Option<&'a mut web::ServiceConfig>,
    listed: Vec<(Method, &'static str)>,
}

impl<'a> ApiRoutes<'a> {
    /// Mounts each added route on `cfg` (paths relative to [`API_BASE`]).
    pub fn mounting(cfg: &'a mut web::ServiceConfig) -> Self {
        ApiRoutes {
            cfg: Some(cfg),
            listed: Vec::new(),
        }
    }

    /// Only records the routes added.
    pub fn listing() -> ApiRoutes<'static> {
        ApiRoutes {
            cfg: None,
            listed: Vec::new(),
        }
    }

    /// Adds `handler` for `method` on `path` (relative to [`API_BASE`], actix syntax `{id}`).
    pub fn route<F, Args>(&mut self, method: Method, path: &'static str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.listed.push((method.clone(), path));
        if let Some(cfg) = self.cfg.as_deref_mut() {
            cfg.route(path, web::method(method).to(handler));
        }
        self
    }

    pub fn get<F, Args>(&mut self, path: &'static str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.route(Method::GET, path, handler)
    }

    pub fn post<F, Args>(&mut self, path: &'static str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.route(Method::POST, path, handler)
    }

    pub fn put<F, Args>(&mut self, path: &'static str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.route(Method::PUT, path, handler)
    }

    pub fn patch<F, Args>(&mut self, path: &'static str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.route(Method::PATCH, path, handler)
    }

    pub fn delete<F, Args>(&mut self, path: &'static str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.route(Method::DELETE, path, handler)
    }

    /// Runs a module's route list on this table (the way `ServiceConfig::configure` does).
    pub fn add(&mut self, module: fn(&mut ApiRoutes)) -> &mut Self {
        module(self);
        self
    }
}

/// Every `/api/v1` route as `(method, full path)`, e.g. `("GET", "/api/v1/roles/{id}")`: the
/// table `configure` mounts, read without mounting it.
pub fn registered() -> Vec<(String, String)> {
    let mut routes = ApiRoutes::listing();
    super::routes_of_api(&mut routes);
    routes
        .listed
        .into_iter()
        .map(|(method, path)| (method.to_string(), format!("{API_BASE}{path}")))
        .collect()
}
