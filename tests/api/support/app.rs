//! The application under test: its configuration for tests, and the app itself,
//! built once per test and reused by every request.

use std::rc::Rc;
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::test::{self, TestRequest};
use acupress::app::{self, AppState};
use acupress::config::{Config, JwtKeys, RateLimit, Secret};
use acupress::server;
use futures_util::future::LocalBoxFuture;

use super::{Response, TestDb, data_dir};

pub const TEST_KID: &str = "test-key";
pub const TEST_SECRET: &[u8; 32] = b"acupress-test-signing-secret-32b";

/// Configuration for a test: defaults, pointed at the test's database and data.
pub fn test_config(database_url: &str) -> Config {
    let mut config = Config::from_lookup(|_| None).expect("defaults are valid");
    config.database_url = database_url.to_owned();
    config.private_cluster = None;
    config.data_dir = data_dir();
    config.db_pool_size = 4;
    config.jwt_keys = JwtKeys {
        keys: vec![(TEST_KID.to_owned(), Secret(TEST_SECRET.to_vec()))],
        generated: false,
    };
    // Generous limits: the rate-limit tests set their own.
    config.auth_rate_account = RateLimit {
        burst: 1000,
        period: Duration::from_millis(1),
    };
    config.auth_rate_address = RateLimit {
        burst: 1000,
        period: Duration::from_millis(1),
    };
    config
}

/// Configures the sign-in limit per account for a test: `burst` attempts, then one per
/// `period` (the defaults of [`test_config`] are generous).
pub fn guesses_per_account(burst: u32, period: Duration) -> impl Fn(&mut Config) + Copy {
    move |config| config.auth_rate_account = RateLimit { burst, period }
}

/// The real application on its own database, built once and reused by every request.
pub struct TestApp {
    service: InProcess,
    pub state: AppState,
    pub _db: TestDb,
}

impl TestApp {
    pub async fn new() -> Self {
        Self::with_config(|_| {}).await
    }

    pub async fn with_config(adjust: impl FnOnce(&mut Config)) -> Self {
        let db = TestDb::cloned();
        let mut config = test_config(&db.url);
        adjust(&mut config);
        let state = server::prepare(config).await.expect("app state");
        Self {
            service: InProcess::build(state.clone()).await,
            state,
            _db: db,
        }
    }

    /// Sends one request through the complete app (middleware, routing, handlers).
    pub async fn send(&self, req: TestRequest) -> Response {
        self.service.send(req).await
    }

    pub async fn get(&self, uri: &str) -> Response {
        self.send(TestRequest::get().uri(uri)).await
    }
}

/// The actix service of the whole app, built from one state; cheap to clone, and
/// requests may run through it concurrently.
#[derive(Clone)]
pub struct InProcess(Rc<dyn Fn(TestRequest) -> LocalBoxFuture<'static, Response>>);

impl InProcess {
    pub async fn build(state: AppState) -> Self {
        let service = Rc::new(test::init_service(app::build(state)).await);
        Self(Rc::new(move |req| {
            let service = service.clone();
            Box::pin(async move { call(&*service, req).await })
        }))
    }

    pub async fn send(&self, req: TestRequest) -> Response {
        (self.0)(req).await
    }

    pub async fn get(&self, uri: &str) -> Response {
        self.send(TestRequest::get().uri(uri)).await
    }
}

/// Sends a request to any actix service and collects the whole response.
pub async fn call<S, B>(service: &S, req: TestRequest) -> Response
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let res = test::call_service(service, req.to_request()).await;
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = test::read_body(res).await;
    Response {
        status,
        headers,
        body,
    }
}
