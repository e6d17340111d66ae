//! PostgreSQL's special call forms, rewritten as the plain calls fedgate's functions
//! (`crate::functions`) answer (part of `crate::rewrite::pg_syntax`'s rewrites):
//!
//! - `make_interval(days => 10)`: named arguments become positions, the skipped ones 0
//!   (DataFusion does not fill skipped parameters with their defaults);
//! - `(s1, e1) OVERLAPS (s2, e2)` becomes `overlaps(s1, e1, s2, e2)`; an end written as
//!   an interval (`INTERVAL '1 month'`, `'1 day'::interval`) becomes `start + interval`,
//!   as PostgreSQL's `overlaps(timestamp, interval, ...)` computes it;
//! - `substring(x FROM a FOR b)` (and `substring(x, a, b)`, `substring(x FROM pattern)`)
//!   becomes `substring(x, a, b)`, PostgreSQL's function for text, bytea and patterns
//!   (`crate::functions::bytes`); a missing start is 1. `substr(...)` stays DataFusion's;
//! - `x IS [NOT] [form] NORMALIZED` becomes `[NOT] is_normalized(x, 'form')`, and the
//!   form keyword of `normalize(x, NFD)` becomes text.

use datafusion::sql::sqlparser::ast::{
    BinaryOperator, DataType, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, UnaryOperator,
    Value,
};

use super::pg_syntax::{call, named};

/// Applies every rewrite of this module to `expr` (not to its children).
pub(crate) fn rewrite(expr: &mut Expr) {
    rewrite_named_make_interval(expr);
    rewrite_overlaps(expr);
    rewrite_substring(expr);
    rewrite_normalized(expr);
}

fn take(expr: &mut Expr) -> Expr {
    std::mem::replace(expr, Expr::Value(Value::Null.into()))
}

fn number(value: &str) -> Expr {
    Expr::Value(Value::Number(value.to_string(), false).into())
}

fn text(value: &str) -> Expr {
    Expr::Value(Value::SingleQuotedString(value.to_string()).into())
}

/// `make_interval`'s parameters in order.
const MAKE_INTERVAL_PARAMETERS: &[&str] =
    &["years", "months", "weeks", "days", "hours", "mins", "secs"];

fn rewrite_named_make_interval(expr: &mut Expr) {
    let Expr::Function(function) = expr else {
        return;
    };
    if !named(&function.name, "make_interval") {
        return;
    }
    let FunctionArguments::List(list) = &mut function.args else {
        return;
    };
    if !list
        .args
        .iter()
        .any(|a| matches!(a, FunctionArg::Named { .. } | FunctionArg::ExprNamed { .. }))
    {
        return;
    }
    let mut slots: Vec<Option<Expr>> = vec![None; MAKE_INTERVAL_PARAMETERS.len()];
    for (position, argument) in list.args.iter().enumerate() {
        let (slot, value) = match argument {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(value)) => (Some(position), value),
            FunctionArg::Named {
                name,
                arg: FunctionArgExpr::Expr(value),
                ..
            }
            | FunctionArg::ExprNamed {
                name: Expr::Identifier(name),
                arg: FunctionArgExpr::Expr(value),
                ..
            } => (
                MAKE_INTERVAL_PARAMETERS
                    .iter()
                    .position(|p| p.eq_ignore_ascii_case(&name.value)),
                value,
            ),
            _ => return,
        };
        // An unknown name or a parameter given twice: left for the planner to refuse.
        match slot.and_then(|s| slots.get_mut(s)) {
            Some(entry @ None) => *entry = Some(value.clone()),
            _ => return,
        }
    }
    let last = slots.iter().rposition(Option::is_some).unwrap_or(0);
    let args = slots
        .into_iter()
        .take(last + 1)
        .map(|slot| slot.unwrap_or_else(|| number("0")))
        .collect();
    *expr = call("make_interval", args);
}

/// Whether `expr` is written as an interval (a literal or a cast to `interval`).
fn is_interval_syntax(expr: &Expr) -> bool {
    match expr {
        Expr::Interval(_) => true,
        Expr::Cast { data_type, .. } => matches!(data_type, DataType::Interval { .. }),
        Expr::TypedString(typed) => matches!(typed.data_type, DataType::Interval { .. }),
        Expr::Nested(inner) => is_interval_syntax(inner),
        _ => false,
    }
}

/// The two points of one side of `OVERLAPS`, the end as `start + interval` when written as
/// an interval.
fn period(side: Expr) -> Option<[Expr; 2]> {
    let Expr::Tuple(items) = side else {
        return None;
    };
    let [start, end]: [Expr; 2] = items.try_into().ok()?;
    let end = if is_interval_syntax(&end) {
        Expr::BinaryOp {
            left: Box::new(start.clone()),
            op: BinaryOperator::Plus,
            right: Box::new(end),
        }
    } else {
        end
    };
    Some([start, end])
}

fn rewrite_overlaps(expr: &mut Expr) {
    let is_overlaps = matches!(
        expr,
        Expr::BinaryOp { op: BinaryOperator::Overlaps, left, right }
            if matches!(left.as_ref(), Expr::Tuple(items) if items.len() == 2)
                && matches!(right.as_ref(), Expr::Tuple(items) if items.len() == 2)
    );
    if !is_overlaps {
        return;
    }
    let Expr::BinaryOp { left, right, .. } = take(expr) else {
        unreachable!("matched above");
    };
    let (Some([s1, e1]), Some([s2, e2])) = (period(*left), period(*right)) else {
        unreachable!("two pairs, checked above");
    };
    *expr = call("overlaps", vec![s1, e1, s2, e2]);
}

fn rewrite_substring(expr: &mut Expr) {
    if !matches!(
        expr,
        Expr::Substring {
            shorthand: false,
            ..
        }
    ) {
        return;
    }
    let Expr::Substring {
        expr: value,
        substring_from,
        substring_for,
        ..
    } = take(expr)
    else {
        unreachable!("matched above");
    };
    let mut args = vec![
        *value,
        substring_from.map_or_else(|| number("1"), |from| *from),
    ];
    args.extend(substring_for.map(|count| *count));
    *expr = call("substring", args);
}

fn rewrite_normalized(expr: &mut Expr) {
    match expr {
        Expr::IsNormalized { .. } => {
            let Expr::IsNormalized {
                expr: value,
                form,
                negated,
            } = take(expr)
            else {
                unreachable!("matched above");
            };
            let form = form.map_or_else(|| "NFC".to_string(), |f| f.to_string());
            let test = call("is_normalized", vec![*value, text(&form)]);
            *expr = if negated {
                Expr::UnaryOp {
                    op: UnaryOperator::Not,
                    expr: Box::new(test),
                }
            } else {
                test
            };
        }
        Expr::Function(function) if named(&function.name, "normalize") => {
            let FunctionArguments::List(list) = &mut function.args else {
                return;
            };
            if let Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(form @ Expr::Identifier(_)))) =
                list.args.get_mut(1)
            {
                let Expr::Identifier(ident) = &*form else {
                    unreachable!("matched above");
                };
                let name = ident.value.to_ascii_uppercase();
                if ["NFC", "NFD", "NFKC", "NFKD"].contains(&name.as_str()) {
                    *form = text(&name);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::sql::sqlparser::ast::{visit_expressions_mut, Statement};
    use std::ops::ControlFlow;

    fn rewritten(sql: &str) -> String {
        let mut statement: Statement = crate::rewrite::parse::plain_statement(sql);
        let _ = visit_expressions_mut(&mut statement, |expr| {
            rewrite(expr);
            ControlFlow::<()>::Continue(())
        });
        statement.to_string()
    }

    #[test]
    fn named_arguments_become_positions() {
        assert_eq!(
            rewritten("SELECT make_interval(days => 10)"),
            "SELECT make_interval(0, 0, 0, 10)"
        );
        assert_eq!(
            rewritten("SELECT make_interval(1, hours => 3)"),
            "SELECT make_interval(1, 0, 0, 0, 3)"
        );
        assert_eq!(
            rewritten("SELECT make_interval(1, 2)"),
            "SELECT make_interval(1, 2)"
        );
    }

    #[test]
    fn overlaps_becomes_a_call() {
        assert_eq!(
            rewritten("SELECT (a, b) OVERLAPS (c, INTERVAL '1 day')"),
            "SELECT overlaps(a, b, c, c + INTERVAL '1 day')"
        );
    }

    #[test]
    fn substring_forms_become_calls() {
        assert_eq!(
            rewritten("SELECT substring(x FROM 2 FOR 3), substring(x FROM '[0-9]+'), substring(x FOR 2), substr(x, 2)"),
            "SELECT substring(x, 2, 3), substring(x, '[0-9]+'), substring(x, 1, 2), SUBSTR(x, 2)"
        );
    }

    #[test]
    fn normalized_forms() {
        assert_eq!(
            rewritten("SELECT x IS NFKC NORMALIZED, x IS NOT NORMALIZED, normalize(x, nfd)"),
            "SELECT is_normalized(x, 'NFKC'), NOT is_normalized(x, 'NFC'), normalize(x, 'NFD')"
        );
    }
}
