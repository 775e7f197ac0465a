//! The axum adapter: reads the body up to the cap and hands it, with the
//! headers, to [`Receiver::receive`].

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use axum::routing::{MethodRouter, post};
use serde::de::DeserializeOwned;

use super::receiver::{NO_RETRY_HEADER, Receiver, Reply};
use super::verify::Rejection;

impl<E> Receiver<E>
where
    E: DeserializeOwned + Send + 'static,
{
    /// A `POST` route to mount at the app's Request URL (events, and the
    /// slash-command / Call-button URL: both may be the same path).
    ///
    /// ```no_run
    /// use slack_calls::events::Receiver;
    ///
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let receiver = Receiver::<serde_json::Value>::builder(std::env::var("SLACK_SIGNING_SECRET")?)
    ///     .on_event(|event, context| async move {
    ///         println!("{} from {}", event.event_id, context.team_id());
    ///     })
    ///     .build()?;
    /// let app = axum::Router::new().route("/slack/events", receiver.method_router());
    /// let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    /// axum::serve(listener, app).await?;
    /// # Ok(()) }
    /// ```
    pub fn method_router<S>(&self) -> MethodRouter<S>
    where
        S: Clone + Send + Sync + 'static,
    {
        post(serve::<E>).with_state(self.clone())
    }
}

async fn serve<E>(State(receiver): State<Receiver<E>>, request: Request) -> Response
where
    E: DeserializeOwned + Send + 'static,
{
    let limit = receiver.verifier().body_limit();
    let (parts, body) = request.into_parts();
    let declared = parts
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return into_response(rejected_too_large(limit));
    }
    let bytes = match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => bytes,
        Err(_) => return into_response(rejected_too_large(limit)),
    };
    into_response(receiver.receive(&parts.headers, &bytes).await)
}

fn rejected_too_large(limit: usize) -> Reply {
    Reply::rejected(Rejection::BodyTooLarge { limit })
}

fn into_response(reply: Reply) -> Response {
    let mut response = Response::new(Body::from(reply.body));
    *response.status_mut() =
        http::StatusCode::from_u16(reply.status).unwrap_or(http::StatusCode::BAD_REQUEST);
    let headers = response.headers_mut();
    if let Some(content_type) = reply.content_type {
        headers.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static(content_type),
        );
    }
    if reply.no_retry {
        headers.insert(NO_RETRY_HEADER, http::HeaderValue::from_static("1"));
    }
    response
}
