//! A pot's balance over time as an SVG step chart, drawn on the server (no script): the
//! balance holds between movements and jumps at each one; the axis labels give the first and
//! last times and the lowest and highest balances.

use std::fmt::Write;

use ob_jose::Instant;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

/// The chart's size in SVG units (it scales to its container).
const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 220.0;
/// Room for the labels.
const LEFT: f64 = 72.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 28.0;

/// The chart of a balance that starts at zero at `start` and moves by each of `movements`
/// (time, signed amount; in time order), drawn up to `now`. `title` names it for screen
/// readers (the chart is an image with a text alternative; the page lists the same
/// movements as a table).
pub fn balance_chart(
    title: &str,
    start: Instant,
    movements: &[(Instant, Decimal)],
    now: Instant,
) -> String {
    let mut points: Vec<(Instant, Decimal)> = vec![(start, Decimal::ZERO)];
    let mut balance = Decimal::ZERO;
    for (at, amount) in movements {
        balance += amount;
        points.push((*at, balance));
    }
    let end = now.max(points.last().map_or(start, |p| p.0));
    let low = points.iter().map(|p| p.1).min().unwrap_or_default();
    let high = points.iter().map(|p| p.1).max().unwrap_or_default();
    let span_t = (end - start).num_milliseconds().max(1) as f64;
    let span_v = (high - low).to_f64().unwrap_or(0.0).max(0.01);
    let x =
        |t: Instant| LEFT + (t - start).num_milliseconds() as f64 / span_t * (WIDTH - LEFT - RIGHT);
    let y = |v: Decimal| {
        TOP + (1.0 - (v - low).to_f64().unwrap_or(0.0) / span_v) * (HEIGHT - TOP - BOTTOM)
    };
    // A step line: level until each movement, then up or down.
    let mut path = String::new();
    let mut last = (start, Decimal::ZERO);
    for (i, (at, v)) in points.iter().enumerate() {
        if i == 0 {
            let _ = write!(path, "M{:.1},{:.1}", x(*at), y(*v));
        } else {
            let _ = write!(path, " H{:.1} V{:.1}", x(*at), y(*v));
        }
        last = (*at, *v);
    }
    let _ = write!(path, " H{:.1}", x(end));
    let description = format!(
        "{} movements from {} to {}; lowest {low}, highest {high}, now {}.",
        movements.len(),
        day(start),
        day(end),
        last.1
    );
    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg"><title id="chart-title">{}</title><desc id="chart-desc">{}</desc>"##,
        escape(title),
        escape(&description)
    );
    // Axes and labels.
    let (x0, x1, y0, y1) = (LEFT, WIDTH - RIGHT, TOP, HEIGHT - BOTTOM);
    let _ = write!(
        svg,
        r##"<path d="M{x0},{y0} V{y1} H{x1}" fill="none" stroke="#555" stroke-width="1"/>"##
    );
    for (v, anchor_y) in [(high, y(high)), (low, y(low))] {
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="end" font-size="12" fill="#222">£{}</text>"##,
            LEFT - 6.0,
            anchor_y + 4.0,
            v.round_dp(2)
        );
    }
    let _ = write!(
        svg,
        r##"<text x="{x0}" y="{:.1}" font-size="12" fill="#222">{}</text><text x="{x1}" y="{:.1}" text-anchor="end" font-size="12" fill="#222">{}</text>"##,
        HEIGHT - 8.0,
        day(start),
        HEIGHT - 8.0,
        day(end)
    );
    let _ = write!(
        svg,
        r##"<path d="{path}" fill="none" stroke="#0a5fa3" stroke-width="2"/></svg>"##
    );
    svg
}

fn day(t: Instant) -> String {
    t.format("%Y-%m-%d").to_string()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_chart_steps_through_each_balance_and_names_itself() {
        let at = |d| chrono::Utc.with_ymd_and_hms(2026, 11, d, 9, 0, 0).unwrap();
        let svg = balance_chart(
            "Holiday <pot>",
            at(1),
            &[
                (at(2), Decimal::new(5000, 2)),
                (at(3), Decimal::new(-1250, 2)),
            ],
            at(5),
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("<title id=\"chart-title\">Holiday &lt;pot&gt;</title>"));
        assert!(svg.contains(
            "2 movements from 2026-11-01 to 2026-11-05; lowest 0, highest 50.00, now 37.50."
        ));
        // Start, two steps (each a horizontal then a vertical move), and on to now.
        let path = svg.rsplit("<path d=\"").next().unwrap();
        assert_eq!(path.matches('H').count(), 3, "{path}");
        assert_eq!(path.matches('V').count(), 2, "{path}");
        assert!(svg.contains("£50.00") && svg.contains("£0"));
    }

    #[test]
    fn an_empty_pot_is_a_flat_line() {
        let t = chrono::Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
        let svg = balance_chart("Empty", t, &[], t);
        assert!(svg.contains("0 movements"));
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
    }
}
