//! The SQL of one remote part as the planner renders it: text with a slot wherever a key-fed
//! semi join's predicate goes (`key_feed`).
//!
//! The federation pass builds a part's SQL bottom-up, nesting each child's SQL into its
//! parent's; slots travel with the text, in the order they appear. A slot is filled only
//! when the SQL is assembled: with the keys read when the query runs, as `key IN (<keys N>)`
//! for EXPLAIN (N counts the slots from 1), or with the semi join's own `EXISTS` where the
//! part is inlined into another query and cannot be fed.

use crate::key_feed::KeyFeed;

/// Remote SQL text with key-feed slots.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct RemoteSql {
    pieces: Vec<Piece>,
}

#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Text(String),
    KeyFeed(KeyFeed),
}

impl RemoteSql {
    /// Appends plain SQL text.
    pub fn push_str(&mut self, text: &str) -> &mut Self {
        match self.pieces.last_mut() {
            Some(Piece::Text(last)) => last.push_str(text),
            _ => self.pieces.push(Piece::Text(text.to_string())),
        }
        self
    }

    /// Appends another part's SQL, slots included.
    pub fn push_sql(&mut self, sql: &RemoteSql) -> &mut Self {
        for piece in &sql.pieces {
            match piece {
                Piece::Text(text) => self.push_str(text),
                Piece::KeyFeed(feed) => self.push_key_feed(feed.clone()),
            };
        }
        self
    }

    /// Appends the slot of a semi join whose keys are read before the query is sent.
    pub fn push_key_feed(&mut self, feed: KeyFeed) -> &mut Self {
        self.pieces.push(Piece::KeyFeed(feed));
        self
    }

    /// The key feeds of the slots, in the order they appear (slot N is the N-th).
    pub fn key_feeds(&self) -> impl Iterator<Item = &KeyFeed> {
        self.pieces.iter().filter_map(|piece| match piece {
            Piece::KeyFeed(feed) => Some(feed),
            Piece::Text(_) => None,
        })
    }

    pub fn has_key_feeds(&self) -> bool {
        self.key_feeds().next().is_some()
    }

    /// The SQL text, each slot filled by `fill(n, feed)` (`n` counts the slots from 0).
    pub fn assemble(&self, mut fill: impl FnMut(usize, &KeyFeed) -> String) -> String {
        let mut sql = String::new();
        let mut slot = 0;
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => sql.push_str(text),
                Piece::KeyFeed(feed) => {
                    sql.push_str(&fill(slot, feed));
                    slot += 1;
                }
            }
        }
        sql
    }

    /// The SQL with every slot filled by its semi join's `EXISTS` (for places where the part
    /// is inlined into another query, and for parts without slots).
    pub fn without_feeding(&self) -> String {
        self.assemble(|_, feed| feed.unfed_predicate().to_string())
    }

    /// The SQL as EXPLAIN shows it: each slot as `probe IN (<keys N>)`, N counting from 1.
    pub fn explained(&self) -> String {
        self.assemble(|slot, feed| format!("{} IN (<keys {}>)", feed.probe(), slot + 1))
    }
}

impl From<String> for RemoteSql {
    fn from(text: String) -> Self {
        Self {
            pieces: vec![Piece::Text(text)],
        }
    }
}

impl From<&str> for RemoteSql {
    fn from(text: &str) -> Self {
        Self::from(text.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::datatypes::DataType;

    fn feed(probe: &str) -> KeyFeed {
        KeyFeed::new(
            format!("SELECT {probe} AS c0 FROM big"),
            DataType::Int64,
            probe.to_string(),
            format!("EXISTS (SELECT 1 FROM big WHERE {probe})"),
        )
    }

    fn fed_part() -> RemoteSql {
        let mut sql = RemoteSql::from("SELECT * FROM a WHERE ");
        sql.push_key_feed(feed("a.k"));
        sql
    }

    #[test]
    fn slots_keep_their_place_and_order_when_nested() {
        let mut outer = RemoteSql::from("SELECT * FROM (");
        outer
            .push_sql(&fed_part())
            .push_str(") AS t0 JOIN (")
            .push_sql(&RemoteSql::from("SELECT * FROM b WHERE "))
            .push_key_feed(feed("b.k"))
            .push_str(") AS t1");
        assert_eq!(
            outer.explained(),
            "SELECT * FROM (SELECT * FROM a WHERE a.k IN (<keys 1>)) AS t0 \
             JOIN (SELECT * FROM b WHERE b.k IN (<keys 2>)) AS t1"
        );
        let probes: Vec<&str> = outer.key_feeds().map(KeyFeed::probe).collect();
        assert_eq!(probes, ["a.k", "b.k"]);
    }

    #[test]
    fn unfed_slots_are_the_semi_joins_exists() {
        assert_eq!(
            fed_part().without_feeding(),
            "SELECT * FROM a WHERE EXISTS (SELECT 1 FROM big WHERE a.k)"
        );
        let plain = RemoteSql::from("SELECT 1");
        assert!(!plain.has_key_feeds());
        assert_eq!(plain.without_feeding(), "SELECT 1");
    }

    #[test]
    fn text_around_slots_is_merged() {
        let mut sql = RemoteSql::from("a");
        sql.push_str("b").push_sql(&RemoteSql::from("c"));
        assert_eq!(sql, RemoteSql::from("abc"));
    }
}
