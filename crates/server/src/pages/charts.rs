//! Server-drawn SVG charts for the dashboard: plain inline `<svg>` with presentation attributes
//! and CSS classes only (the CSP forbids inline scripts and style attributes).

use std::fmt::Write;

/// One bar: its label (escaped when drawn) and its count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    pub label: String,
    pub value: u64,
}

impl Bar {
    pub fn new(label: impl Into<String>, value: u64) -> Bar {
        Bar {
            label: label.into(),
            value,
        }
    }
}

const WIDTH: u32 = 640;
const ROW: u32 = 28;
const LABEL_W: u32 = 200;
const BAR_MAX: u32 = 360;

/// Escapes text for SVG/HTML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The most a label shown beside a bar may take, in half-width characters (a Chinese
/// character counts two): what fits in [`LABEL_W`] at the stylesheet's label size.
const LABEL_UNITS: usize = 24;

/// `label` cut to `units` half-width characters with an ellipsis when longer (the full text
/// stays in the bar's tooltip and in the chart's table).
pub fn fit(label: &str, units: usize) -> String {
    let width = |c: char| if c.is_ascii() { 1 } else { 2 };
    if label.chars().map(width).sum::<usize>() <= units {
        return label.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in label.chars() {
        if used + width(c) > units.saturating_sub(1) {
            break;
        }
        used += width(c);
        out.push(c);
    }
    out.push('…');
    out
}

/// The length of a bar of `value` when the largest is `max` (0 when there is nothing).
pub fn scaled(value: u64, max: u64, full: u32) -> u32 {
    if max == 0 {
        return 0;
    }
    ((value.min(max) as u128 * full as u128) / max as u128) as u32
}

/// A horizontal bar chart with an accessible title and description; `empty` is the text shown
/// instead of bars when every value is zero (or there are no bars).
pub fn bar_chart(id: &str, title: &str, desc: &str, bars: &[Bar], empty: &str) -> String {
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0);
    let rows = if max == 0 { 1 } else { bars.len() as u32 };
    let height = rows * ROW + 8;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" aria-labelledby="{id}-title {id}-desc" xmlns="http://www.w3.org/2000/svg"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
        escape(title),
        escape(desc),
    );
    if max == 0 {
        let _ = write!(
            svg,
            r#"<text class="chart-empty" x="{}" y="{}" text-anchor="middle">{}</text>"#,
            WIDTH / 2,
            ROW - 8,
            escape(empty)
        );
    } else {
        for (i, b) in bars.iter().enumerate() {
            let y = i as u32 * ROW + 4;
            let w = scaled(b.value, max, BAR_MAX);
            let _ = write!(
                svg,
                r##"<g class="chart-row"><title>{}: {}</title><text class="chart-label" x="{}" y="{}" text-anchor="end">{}</text><rect class="chart-bar" fill="#2f6f9f" x="{LABEL_W}" y="{y}" width="{w}" height="{}"/><text class="chart-value" x="{}" y="{}">{}</text></g>"##,
                escape(&b.label),
                b.value,
                LABEL_W - 8,
                y + ROW / 2 + 4,
                escape(&fit(&b.label, LABEL_UNITS)),
                ROW - 8,
                LABEL_W + w + 6,
                y + ROW / 2 + 4,
                b.value
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn widths(svg: &str) -> Vec<u32> {
        svg.match_indices("class=\"chart-bar\"")
            .map(|(i, _)| {
                let rest = &svg[i..];
                let at = rest.find(" width=\"").unwrap() + 8;
                rest[at..].split('"').next().unwrap().parse().unwrap()
            })
            .collect()
    }

    #[test]
    fn bars_scale_to_the_largest() {
        let svg = bar_chart(
            "c",
            "T",
            "D",
            &[Bar::new("a", 10), Bar::new("b", 5), Bar::new("c", 0)],
            "none",
        );
        assert_eq!(widths(&svg), vec![BAR_MAX, BAR_MAX / 2, 0]);
        assert!(svg.contains("<title id=\"c-title\">T</title>"));
        assert!(svg.contains("<desc id=\"c-desc\">D</desc>"));
        assert!(!svg.contains("style="));
    }

    #[test]
    fn zero_data_says_there_is_nothing() {
        for bars in [vec![], vec![Bar::new("a", 0)]] {
            let svg = bar_chart("c", "T", "D", &bars, "Nothing yet");
            assert!(svg.contains("Nothing yet"));
            assert!(widths(&svg).is_empty());
        }
        assert_eq!(scaled(3, 0, 100), 0);
    }

    #[test]
    fn long_labels_are_cut_with_the_full_text_in_the_tooltip() {
        assert_eq!(fit("制造业", 24), "制造业");
        assert_eq!(fit("信息传输、软件和信息技术服务业", 24), "信息传输、软件和信息技…");
        assert_eq!(
            fit("Information transmission, software", 24),
            "Information transmissio…"
        );
        let svg = bar_chart("c", "T", "D", &[Bar::new("信息传输、软件和信息技术服务业", 2)], "-");
        assert!(svg.contains("<title>信息传输、软件和信息技术服务业: 2</title>"));
        assert!(svg.contains(">信息传输、软件和信息技…</text>"));
    }

    #[test]
    fn labels_are_escaped() {
        let svg = bar_chart("c", "<T>", "a&b", &[Bar::new("<script>\"x\"", 1)], "-");
        assert!(svg.contains("&lt;script&gt;&quot;x&quot;"));
        assert!(svg.contains("&lt;T&gt;"));
        assert!(svg.contains("a&amp;b"));
        assert!(!svg.contains("<script>"));
    }
}
