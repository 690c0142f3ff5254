//! Assessment's own schedule: following up notice deliveries (results, failover, expiry
//! into paper, deemed withdrawals, the print-vendor batch) on the business clock.

use crate::AssessmentApp;

impl AssessmentApp {
    /// Follow up deliveries every `every` until `stop` resolves (the service's own schedule;
    /// tests call [`Self::follow_up_all`] after moving the clock).
    pub async fn run_follow_ups(
        self,
        every: std::time::Duration,
        stop: impl std::future::Future<Output = ()> + Send,
    ) {
        tokio::pin!(stop);
        loop {
            if let Err(e) = self.follow_up_all().await {
                tracing::error!(error = %e, "delivery follow-up failed; will look again");
            }
            tokio::select! {
                () = &mut stop => return,
                () = tokio::time::sleep(every) => {}
            }
        }
    }
}
