//! When to refresh the access token, and how to back off when a refresh
//! cannot reach the provider. The caller passes the time elapsed since the
//! token response arrived, saturating at zero: a clock set back counts as no
//! time passed, and since the timer is re-armed from the current time after
//! every wake-up, a clock set forward can only make a refresh early. Retries
//! through an outage stop at a fixed time ([`give_up_at_ms`]), not with the
//! access token: a refresh token outlives it.

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
/// The longest wait between two retries of a refresh (the browser's
/// `online` event and the tab becoming visible retry at once).
pub const RETRY_CAP_MS: u64 = 60_000;

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

/// When a session stops retrying a refresh through an outage: `limit_ms`
/// (config.json's `reconnect_limit_s`) after the first failure of the
/// outage, or when the refresh token expires where the provider said so,
/// whichever comes first.
pub fn give_up_at_ms(outage_began_ms: u64, limit_ms: u64, refresh_expires_at_ms: Option<u64>) -> u64 {
    let by_limit = outage_began_ms.saturating_add(limit_ms);
    refresh_expires_at_ms.map_or(by_limit, |at| at.min(by_limit))
}

/// The wait before retry number `attempt` (0 for the first) of a refresh
/// that got no answer, or `None` when it would come at or after
/// `give_up_at_ms`: the session ends instead.
pub fn retry_delay_ms(attempt: u32, now_ms: u64, give_up_at_ms: u64) -> Option<u64> {
    let delay = backoff_ms(attempt);
    (now_ms.saturating_add(delay) < give_up_at_ms).then_some(delay)
}

/// The backoff before retry number `attempt`: 1 s, doubling, at most a minute.
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
        assert_eq!(give_up_at_ms(u64::MAX - 5, u64::MAX, None), u64::MAX);
        assert_eq!(retry_delay_ms(0, u64::MAX - 1_000_000, u64::MAX), Some(RETRY_FIRST_MS));
    }

    #[test]
    fn clock_changes() {
        let received = 1_700_000_000_000;
        // Set back an hour: as if no time passed.
        assert_eq!(elapsed_ms(received, received - 3_600_000), 0);
        assert_eq!(refresh_delay_ms(60, elapsed_ms(received, received - 3_600_000)), 45_000);
        // Set forward an hour: the refresh is due at once.
        assert_eq!(refresh_delay_ms(60, elapsed_ms(received, received + 3_600_000)), 0);
    }

    #[test]
    fn timers_are_capped_at_a_day() {
        assert_eq!(timer_ms(refresh_delay_ms(30 * 24 * 3600, 0)), MAX_TIMER_MS);
        assert_eq!(timer_ms(7_500), 7_500);
        assert!(MAX_TIMER_MS < i32::MAX as u64);
    }

    #[test]
    fn retries_back_off_to_a_minute_and_stop_at_the_limit() {
        let give_up = give_up_at_ms(0, 3_600_000, None);
        assert_eq!(retry_delay_ms(0, 0, give_up), Some(1_000));
        assert_eq!(retry_delay_ms(1, 0, give_up), Some(2_000));
        assert_eq!(retry_delay_ms(4, 0, give_up), Some(16_000));
        assert_eq!(retry_delay_ms(5, 0, give_up), Some(32_000));
        assert_eq!(retry_delay_ms(6, 0, give_up), Some(60_000));
        assert_eq!(retry_delay_ms(63, 0, give_up), Some(60_000));
        assert_eq!(retry_delay_ms(0, 3_599_500, give_up), None, "0.5 s left: no retry");
        assert_eq!(retry_delay_ms(2, 3_596_500, give_up), None, "4 s wait, 3.5 s left");
    }

    #[test]
    fn the_refresh_tokens_known_expiry_comes_before_the_limit() {
        assert_eq!(give_up_at_ms(1_000, 3_600_000, None), 3_601_000);
        assert_eq!(give_up_at_ms(1_000, 3_600_000, Some(60_000)), 60_000);
        assert_eq!(give_up_at_ms(1_000, 3_600_000, Some(9_000_000)), 3_601_000);
        assert_eq!(give_up_at_ms(1_000, 0, None), 1_000, "a limit of 0: no retry at all");
    }
}
