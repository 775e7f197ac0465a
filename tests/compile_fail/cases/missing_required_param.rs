// Leaving out calls.add's required `join_url` is a compile error.
async fn register(client: slack_calls::Client) {
    let _ = client.calls().add("025169F6-E37A-4E62-BB54-7F93A0FC4C1F").await;
}

fn main() {
    let _ = register;
}
