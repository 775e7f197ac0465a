// `users` takes participants, not plain strings.
async fn join(client: slack_calls::Client) {
    let _ = client.calls().participants().add("R0E69JAIF", ["U0HRJ1GNB"]).await;
}

fn main() {
    let _ = join;
}
