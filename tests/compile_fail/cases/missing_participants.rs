// calls.participants.add needs the participants: there is no setter to forget.
async fn join(client: slack_calls::Client) {
    let _ = client.calls().participants().add("R0E69JAIF").await;
}

fn main() {
    let _ = join;
}
