//! When to refresh the access token, and how to back off when a refresh
//! cannot reach the provider. The caller passes the time elapsed since the
//! token response arrived, saturating at zero: a clock set back counts as no
//! time passed, and since the timer is re-armed from the current time after
//! every wake-up, a clock set forward can only make a refresh early, and a
//! network retry never outlives the access token.

/// Refresh this long before the access token expires...
pub const REFRESH_MARGIN_MS: u64 = 60_000;
/// ...or, for short-lived tokens, after this share of the lifetime has
/// passed (a 10 s token is refreshed after 7.5 s, not 50 s too late).
const MIN_SHARE_USED: (u64, u64) = (3, 4);
/// Never refresh sooner than this after the tokens arrived, whatever the
/// lifetime: an `expires_in` of 0 or 1 must not become a tight loop.
pub const MIN_REFRESH_AFTER_MS: u64 = 3_000;
/// The first retry after a transient failure, doubling up to the cap.
pub const RETRY_FIRST_MS: u64 = 1_000;
/// The longest wait between two retries of a refresh.
pub const RETRY_CAP_MS: u64 = 30_000;

/// Time since the tokens arrived by the wall clock. A clock set back before
/// the arrival counts as no time passed: the refresh is then re-armed for the
/// whole lifetime less the margin, never for a negative (immediate) loop.
pub fn elapsed_ms(received_at_ms: u64, now_ms: u64) -> u64 {
    now_ms.saturating_sub(received_at_ms)
}

/// How long after the token response the refresh should start.
pub fn refresh_after_ms(expires_in_s: u64) -> u64 {
    let lifetime = expires_in_s.saturating_mul(1000);
    let by_margin = lifetime.saturating_sub(REFRESH_MARGIN_MS);
    let by_share = lifetime / MIN_SHARE_USED.1 * MIN_SHARE_USED.0;
    by_margin.max(by_share).max(MIN_REFRESH_AFTER_MS)
}

/// How long to wait now, given the time elapsed since the response arrived.
pub fn refresh_delay_ms(expires_in_s: u64, elapsed_ms: u64) -> u64 {
    refresh_after_ms(expires_in_s).saturating_sub(elapsed_ms)
}

/// The longest a browser timer is armed for. `setTimeout` fires at once for
/// delays past 2^31-1 ms (about 24.8 days), so a long-lived token would
/// refresh in a loop; instead the timer wakes daily and re-checks.
pub const MAX_TIMER_MS: u64 = 24 * 60 * 60 * 1000;

/// The delay to arm the timer with: `delay_ms`, at most [`MAX_TIMER_MS`].
pub fn timer_ms(delay_ms: u64) -> u64 {
    delay_ms.min(MAX_TIMER_MS)
}

/// The wait before retry number `attempt` (0 for the first) of a refresh
/// that got no answer, or `None` when the access token will have expired by
/// then: the session ends instead of retrying forever.
pub fn retry_delay_ms(attempt: u32, expires_in_s: u64, elapsed_ms: u64) -> Option<u64> {
    let delay = backoff_ms(attempt);
    let left = expires_in_s.saturating_mul(1000).saturating_sub(elapsed_ms);
    (delay < left).then_some(delay)
}

/// The backoff before retry number `attempt`: 1 s, doubling, at most 30 s.
pub fn backoff_ms(attempt: u32) -> u64 {
    RETRY_FIRST_MS.saturating_mul(1u64 << attempt.min(20)).min(RETRY_CAP_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lived_tokens_refresh_a_minute_early() {
        assert_eq!(refresh_after_ms(3600), 3_540_000);
        assert_eq!(refresh_delay_ms(3600, 1_000_000), 2_540_000);
    }

    #[test]
    fn short_lived_tokens_refresh_after_three_quarters() {
        assert_eq!(refresh_after_ms(10), 7_500);
        assert_eq!(refresh_after_ms(120), 90_000);
        assert_eq!(refresh_after_ms(0), MIN_REFRESH_AFTER_MS, "never a tight loop");
        assert_eq!(refresh_after_ms(1), MIN_REFRESH_AFTER_MS);
    }

    #[test]
    fn a_refresh_that_is_due_is_due_now() {
        assert_eq!(refresh_delay_ms(10, 60_000), 0);
    }

    #[test]
    fn huge_lifetimes_do_not_overflow() {
        assert!(refresh_after_ms(u64::MAX) > 0);
        assert_eq!(retry_delay_ms(0, u64::MAX, u64::MAX - 1_000_000), Some(RETRY_FIRST_MS));
    }

    #[test]
    fn clock_changes() {
        let received = 1_700_000_000_000;
        // Set back an hour: as if no time passed.
        assert_eq!(elapsed_ms(received, received - 3_600_000), 0);
        assert_eq!(refresh_delay_ms(60, elapsed_ms(received, received - 3_600_000)), 45_000);
        // Set forward an hour: the refresh is due at once and no retry is left.
        assert_eq!(refresh_delay_ms(60, elapsed_ms(received, received + 3_600_000)), 0);
        assert_eq!(retry_delay_ms(0, 60, elapsed_ms(received, received + 3_600_000)), None);
    }

    #[test]
    fn timers_are_capped_at_a_day() {
        assert_eq!(timer_ms(refresh_delay_ms(30 * 24 * 3600, 0)), MAX_TIMER_MS);
        assert_eq!(timer_ms(7_500), 7_500);
        assert!(MAX_TIMER_MS < i32::MAX as u64);
    }

    #[test]
    fn retries_back_off_and_stop_at_expiry() {
        assert_eq!(retry_delay_ms(0, 3600, 0), Some(1_000));
        assert_eq!(retry_delay_ms(1, 3600, 0), Some(2_000));
        assert_eq!(retry_delay_ms(4, 3600, 0), Some(16_000));
        assert_eq!(retry_delay_ms(5, 3600, 0), Some(30_000));
        assert_eq!(retry_delay_ms(63, 3600, 0), Some(30_000));
        assert_eq!(retry_delay_ms(0, 10, 9_500), None, "expires in 0.5 s: no retry");
        assert_eq!(retry_delay_ms(2, 10, 6_500), None, "4 s wait, 3.5 s left");
    }
}
