//! Parsing fedgate's catalog statements, in PostgreSQL's foreign-server syntax:
//!
//! ```sql
//! CREATE SERVER [IF NOT EXISTS] name [TYPE '…'] [VERSION '…'] FOREIGN DATA WRAPPER wrapper
//!     [OPTIONS (name 'value' [, …])]
//! ALTER SERVER name OPTIONS ([ADD | SET | DROP] name ['value'] [, …])
//! DROP SERVER [IF EXISTS] name [, …] [CASCADE | RESTRICT]
//! REFRESH SERVER name      -- re-discover one server's schemas, tables and columns
//! REFRESH SERVERS          -- … of every server
//!
//! CREATE USER name [WITH] PASSWORD '…' [SUPERUSER | ADMIN | NOSUPERUSER | LOGIN] …
//! ALTER USER name [WITH] [PASSWORD '…'] [SUPERUSER | ADMIN | NOSUPERUSER | LOGIN] …
//! DROP USER [IF EXISTS] name [, …]
//! ```
//!
//! `ROLE` may be written for `USER`. Errors never quote a string constant, so a password
//! typed in the wrong place is not echoed back.
//!
//! Names follow PostgreSQL identifier rules: unquoted names fold to lower case.

use std::collections::BTreeMap;

use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
use datafusion::sql::sqlparser::tokenizer::{Token, Tokenizer, Word};
use fedgate_catalog::OptionChange;

/// A parsed catalog statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerDdl {
    Create {
        name: String,
        wrapper: String,
        options: BTreeMap<String, String>,
        if_not_exists: bool,
    },
    Alter {
        name: String,
        changes: Vec<OptionChange>,
    },
    Drop {
        names: Vec<String>,
        if_exists: bool,
    },
    Refresh {
        name: Option<String>,
    },
    User(UserDdl),
}

/// A password typed in SQL; its `Debug` form is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(pub String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// `CREATE`/`ALTER`/`DROP USER` (or `ROLE`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserDdl {
    Create {
        name: String,
        password: Option<Password>,
        superuser: Option<bool>,
        /// `CONNECTION LIMIT n` as written (`-1`: no limit).
        connection_limit: Option<i64>,
    },
    Alter {
        name: String,
        password: Option<Password>,
        superuser: Option<bool>,
        connection_limit: Option<i64>,
    },
    Drop {
        names: Vec<String>,
        if_exists: bool,
    },
}

impl ServerDdl {
    /// The statement's verb and names, for the log: never its options or password.
    pub fn summary(&self) -> String {
        let names = match self {
            Self::Create { name, .. } | Self::Alter { name, .. } => name.clone(),
            Self::Refresh { name } => name.clone().unwrap_or_default(),
            Self::Drop { names, .. } => names.join(", "),
            Self::User(UserDdl::Create { name, .. } | UserDdl::Alter { name, .. }) => name.clone(),
            Self::User(UserDdl::Drop { names, .. }) => names.join(", "),
        };
        format!("{} {names}", self.tag()).trim_end().to_string()
    }

    /// The command tag PostgreSQL sends on success.
    pub fn tag(&self) -> &'static str {
        match self {
            Self::Create { .. } => "CREATE SERVER",
            Self::Alter { .. } => "ALTER SERVER",
            Self::Drop { .. } => "DROP SERVER",
            Self::Refresh { .. } => "REFRESH SERVER",
            Self::User(UserDdl::Create { .. }) => "CREATE ROLE",
            Self::User(UserDdl::Alter { .. }) => "ALTER ROLE",
            Self::User(UserDdl::Drop { .. }) => "DROP ROLE",
        }
    }
}

/// `None` when `sql` is not a catalog statement; otherwise the statement or a syntax error.
pub fn parse_server_ddl(sql: &str) -> Option<Result<ServerDdl, String>> {
    let tokens = Tokenizer::new(&PostgreSqlDialect {}, sql).tokenize().ok()?;
    let tokens: Vec<Token> = tokens
        .into_iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect();
    let mut cursor = Cursor { tokens, pos: 0 };
    let verb = cursor.keyword()?;
    let object = cursor.keyword()?;
    let result = match (verb.as_str(), object.as_str()) {
        ("CREATE", "SERVER") => cursor.create(),
        ("ALTER", "SERVER") => cursor.alter(),
        ("DROP", "SERVER") => cursor.drop(),
        ("REFRESH", "SERVER") => cursor.name().map(|n| ServerDdl::Refresh { name: Some(n) }),
        ("REFRESH", "SERVERS") => Ok(ServerDdl::Refresh { name: None }),
        ("CREATE" | "ALTER", "USER" | "ROLE") => {
            let create = verb == "CREATE";
            cursor.user(create).map(ServerDdl::User)
        }
        ("DROP", "USER" | "ROLE") => cursor.drop_users().map(ServerDdl::User),
        _ => return None,
    };
    Some(result.and_then(|ddl| cursor.end().map(|_| ddl)))
}

struct Cursor {
    tokens: Vec<Token>,
    pos: usize,
}

impl Cursor {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        token
    }

    /// The next token as an upper-case keyword, if it is an unquoted word.
    fn keyword(&mut self) -> Option<String> {
        match self.next()? {
            Token::Word(Word {
                value,
                quote_style: None,
                ..
            }) => Some(value.to_ascii_uppercase()),
            _ => None,
        }
    }

    fn at_keyword(&self, keyword: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(keyword))
    }

    fn eat_keywords(&mut self, keywords: &[&str]) -> bool {
        let save = self.pos;
        for k in keywords {
            if !self.at_keyword(k) {
                self.pos = save;
                return false;
            }
            self.pos += 1;
        }
        true
    }

    fn expect_keywords(&mut self, keywords: &[&str]) -> Result<(), String> {
        if self.eat_keywords(keywords) {
            Ok(())
        } else {
            Err(format!("expected {} {}", keywords.join(" "), self.found()))
        }
    }

    fn found(&self) -> String {
        match self.peek() {
            Some(
                Token::SingleQuotedString(_)
                | Token::EscapedStringLiteral(_)
                | Token::DollarQuotedString(_),
            ) => "at or near a string constant".to_string(),
            Some(t) => format!("at or near \"{t}\""),
            None => "at end of input".to_string(),
        }
    }

    /// An identifier: unquoted words fold to lower case, quoted ones keep their case.
    fn name(&mut self) -> Result<String, String> {
        match self.peek().cloned() {
            Some(Token::Word(w)) => {
                self.pos += 1;
                Ok(match w.quote_style {
                    Some(_) => w.value,
                    None => w.value.to_lowercase(),
                })
            }
            _ => Err(format!("expected a name {}", self.found())),
        }
    }

    fn string(&mut self) -> Result<String, String> {
        match self.peek().cloned() {
            Some(Token::SingleQuotedString(s)) | Some(Token::EscapedStringLiteral(s)) => {
                self.pos += 1;
                Ok(s)
            }
            Some(Token::DollarQuotedString(quoted)) => {
                self.pos += 1;
                Ok(quoted.value)
            }
            _ => Err(format!("expected a string constant {}", self.found())),
        }
    }

    /// A whole number, possibly negative (`-1`).
    fn integer(&mut self) -> Result<i64, String> {
        let negative = self.eat(&Token::Minus);
        match self.peek().cloned() {
            Some(Token::Number(digits, _)) => {
                let value: i64 = digits
                    .parse()
                    .map_err(|_| format!("expected an integer {}", self.found()))?;
                self.pos += 1;
                Ok(if negative { -value } else { value })
            }
            _ => Err(format!("expected an integer {}", self.found())),
        }
    }

    fn eat(&mut self, token: &Token) -> bool {
        if self.peek() == Some(token) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn end(&mut self) -> Result<(), String> {
        self.eat(&Token::SemiColon);
        match self.peek() {
            None | Some(Token::EOF) => Ok(()),
            Some(_) => Err(format!("unexpected input {}", self.found())),
        }
    }

    fn create(&mut self) -> Result<ServerDdl, String> {
        let if_not_exists = self.eat_keywords(&["IF", "NOT", "EXISTS"]);
        let name = self.name()?;
        if self.eat_keywords(&["TYPE"]) {
            self.string()?;
        }
        if self.eat_keywords(&["VERSION"]) {
            self.string()?;
        }
        self.expect_keywords(&["FOREIGN", "DATA", "WRAPPER"])?;
        let wrapper = self.name()?;
        let mut options = BTreeMap::new();
        if self.eat_keywords(&["OPTIONS"]) {
            for (key, value) in self.option_list(|c| Ok((c.name()?, c.string()?)))? {
                if options.insert(key.clone(), value).is_some() {
                    return Err(format!("option \"{key}\" provided more than once"));
                }
            }
        }
        Ok(ServerDdl::Create {
            name,
            wrapper,
            options,
            if_not_exists,
        })
    }

    fn alter(&mut self) -> Result<ServerDdl, String> {
        let name = self.name()?;
        if self.eat_keywords(&["VERSION"]) {
            self.string()?;
        }
        if !self.eat_keywords(&["OPTIONS"]) {
            return Err(format!(
                "only ALTER SERVER … OPTIONS (…) is supported, found {}",
                self.found()
            ));
        }
        let changes = self.option_list(Self::option_change)?;
        Ok(ServerDdl::Alter { name, changes })
    }

    fn option_change(&mut self) -> Result<OptionChange, String> {
        if self.eat_keywords(&["SET"]) {
            return Ok(OptionChange::Set(self.name()?, self.string()?));
        }
        if self.eat_keywords(&["DROP"]) {
            return Ok(OptionChange::Drop(self.name()?));
        }
        self.eat_keywords(&["ADD"]);
        Ok(OptionChange::Add(self.name()?, self.string()?))
    }

    fn drop(&mut self) -> Result<ServerDdl, String> {
        let if_exists = self.eat_keywords(&["IF", "EXISTS"]);
        let mut names = vec![self.name()?];
        while self.eat(&Token::Comma) {
            names.push(self.name()?);
        }
        if !self.eat_keywords(&["CASCADE"]) {
            self.eat_keywords(&["RESTRICT"]);
        }
        Ok(ServerDdl::Drop { names, if_exists })
    }

    /// `CREATE USER` (`create`) or `ALTER USER`, after the object keyword.
    fn user(&mut self, create: bool) -> Result<UserDdl, String> {
        let name = self.name()?;
        self.eat_keywords(&["WITH"]);
        let (mut password, mut superuser, mut connection_limit) = (None, None, None);
        while !matches!(
            self.peek(),
            None | Some(Token::EOF) | Some(Token::SemiColon)
        ) {
            if self.eat_keywords(&["PASSWORD"]) || self.eat_keywords(&["ENCRYPTED", "PASSWORD"]) {
                if password.is_some() {
                    return Err("conflicting or redundant options".to_string());
                }
                password = Some(Password(self.string()?));
            } else if self.eat_keywords(&["SUPERUSER"]) || self.eat_keywords(&["ADMIN"]) {
                superuser = Some(true);
            } else if self.eat_keywords(&["NOSUPERUSER"]) {
                superuser = Some(false);
            } else if self.eat_keywords(&["CONNECTION", "LIMIT"]) {
                if connection_limit.is_some() {
                    return Err("conflicting or redundant options".to_string());
                }
                connection_limit = Some(self.integer()?);
            } else if !self.eat_keywords(&["LOGIN"]) {
                return Err(format!(
                    "expected PASSWORD, SUPERUSER, ADMIN, NOSUPERUSER, CONNECTION LIMIT or LOGIN {}",
                    self.found()
                ));
            }
        }
        Ok(if create {
            UserDdl::Create {
                name,
                password,
                superuser,
                connection_limit,
            }
        } else {
            UserDdl::Alter {
                name,
                password,
                superuser,
                connection_limit,
            }
        })
    }

    fn drop_users(&mut self) -> Result<UserDdl, String> {
        let if_exists = self.eat_keywords(&["IF", "EXISTS"]);
        let mut names = vec![self.name()?];
        while self.eat(&Token::Comma) {
            names.push(self.name()?);
        }
        Ok(UserDdl::Drop { names, if_exists })
    }

    fn option_list<T>(
        &mut self,
        mut item: impl FnMut(&mut Self) -> Result<T, String>,
    ) -> Result<Vec<T>, String> {
        if !self.eat(&Token::LParen) {
            return Err(format!("expected ( {}", self.found()));
        }
        let mut items = vec![item(self)?];
        while self.eat(&Token::Comma) {
            items.push(item(self)?);
        }
        if !self.eat(&Token::RParen) {
            return Err(format!("expected ) {}", self.found()));
        }
        Ok(items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(sql: &str) -> ServerDdl {
        parse_server_ddl(sql).expect("is ddl").expect("parses")
    }

    #[test]
    fn summaries_leave_out_options_and_passwords() {
        let create =
            parse("CREATE SERVER s FOREIGN DATA WRAPPER postgres OPTIONS (password 'hush')");
        assert_eq!(create.summary(), "CREATE SERVER s");
        let user = parse("CREATE USER alice PASSWORD 'hush'");
        assert_eq!(user.summary(), "CREATE ROLE alice");
        assert_eq!(parse("DROP SERVER a, b").summary(), "DROP SERVER a, b");
    }

    #[test]
    fn create_with_options() {
        let ddl = parse(
            "CREATE SERVER Sales FOREIGN DATA WRAPPER postgres OPTIONS (host '127.0.0.1', \"Port\" '5432', password 'it''s');",
        );
        let ServerDdl::Create {
            name,
            wrapper,
            options,
            if_not_exists,
        } = ddl
        else {
            panic!()
        };
        assert_eq!(name, "sales");
        assert_eq!(wrapper, "postgres");
        assert!(!if_not_exists);
        assert_eq!(options["host"], "127.0.0.1");
        assert_eq!(options["Port"], "5432");
        assert_eq!(options["password"], "it's");
    }

    #[test]
    fn create_if_not_exists_without_options() {
        let ddl = parse("create server if not exists lake foreign data wrapper files");
        assert!(matches!(
            ddl,
            ServerDdl::Create {
                if_not_exists: true,
                ..
            }
        ));
    }

    #[test]
    fn alter_and_drop_and_refresh() {
        assert_eq!(
            parse("ALTER SERVER s OPTIONS (SET host 'h', ADD port '1', DROP dbname, user 'u')"),
            ServerDdl::Alter {
                name: "s".into(),
                changes: vec![
                    OptionChange::Set("host".into(), "h".into()),
                    OptionChange::Add("port".into(), "1".into()),
                    OptionChange::Drop("dbname".into()),
                    OptionChange::Add("user".into(), "u".into()),
                ]
            }
        );
        assert_eq!(
            parse("DROP SERVER IF EXISTS a, \"B\" CASCADE"),
            ServerDdl::Drop {
                names: vec!["a".into(), "B".into()],
                if_exists: true
            }
        );
        assert_eq!(
            parse("REFRESH SERVER s"),
            ServerDdl::Refresh {
                name: Some("s".into())
            }
        );
        assert_eq!(parse("refresh servers"), ServerDdl::Refresh { name: None });
    }

    #[test]
    fn user_statements() {
        assert_eq!(
            parse("CREATE USER Alice WITH PASSWORD 'it''s' SUPERUSER"),
            ServerDdl::User(UserDdl::Create {
                name: "alice".into(),
                password: Some(Password("it's".into())),
                superuser: Some(true),
                connection_limit: None,
            })
        );
        assert_eq!(
            parse("create role \"Bob\" login password 'x' admin;"),
            ServerDdl::User(UserDdl::Create {
                name: "Bob".into(),
                password: Some(Password("x".into())),
                superuser: Some(true),
                connection_limit: None,
            })
        );
        assert_eq!(
            parse("ALTER ROLE bob PASSWORD 'y' NOSUPERUSER"),
            ServerDdl::User(UserDdl::Alter {
                name: "bob".into(),
                password: Some(Password("y".into())),
                superuser: Some(false),
                connection_limit: None,
            })
        );
        assert_eq!(
            parse("CREATE USER alice WITH PASSWORD 'p' CONNECTION LIMIT 2"),
            ServerDdl::User(UserDdl::Create {
                name: "alice".into(),
                password: Some(Password("p".into())),
                superuser: None,
                connection_limit: Some(2),
            })
        );
        assert_eq!(
            parse("ALTER USER alice CONNECTION LIMIT -1"),
            ServerDdl::User(UserDdl::Alter {
                name: "alice".into(),
                password: None,
                superuser: None,
                connection_limit: Some(-1),
            })
        );
        assert!(parse_server_ddl("ALTER USER a CONNECTION LIMIT x")
            .unwrap()
            .is_err());
        assert_eq!(
            parse("DROP USER IF EXISTS a, b"),
            ServerDdl::User(UserDdl::Drop {
                names: vec!["a".into(), "b".into()],
                if_exists: true,
            })
        );
        assert_eq!(parse("DROP ROLE a").tag(), "DROP ROLE");
        assert_eq!(parse("CREATE USER a PASSWORD 'p'").tag(), "CREATE ROLE");
        // A misplaced password is not echoed in the error, nor in Debug output.
        let err = parse_server_ddl("CREATE USER a WITH 'hunter2'")
            .unwrap()
            .unwrap_err();
        assert!(!err.contains("hunter2"), "{err}");
        let err = parse_server_ddl("CREATE USER a PASSWORD 'p' PASSWORD 'hunter2'")
            .unwrap()
            .unwrap_err();
        assert!(!err.contains("hunter2"), "{err}");
        let debug = format!("{:?}", parse("CREATE USER a PASSWORD 'hunter2'"));
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(parse_server_ddl("CREATE USER").unwrap().is_err());
        assert!(parse_server_ddl("SELECT current_user").is_none());
    }

    #[test]
    fn errors_and_non_ddl() {
        assert!(parse_server_ddl("SELECT 1").is_none());
        assert!(parse_server_ddl("CREATE TABLE t (a int)").is_none());
        let err = parse_server_ddl("CREATE SERVER s FOREIGN WRAPPER x")
            .unwrap()
            .unwrap_err();
        assert!(err.contains("FOREIGN DATA WRAPPER"), "{err}");
        assert!(
            parse_server_ddl("CREATE SERVER s FOREIGN DATA WRAPPER x OPTIONS (a 1)")
                .unwrap()
                .is_err()
        );
        assert!(
            parse_server_ddl("CREATE SERVER s FOREIGN DATA WRAPPER x OPTIONS (a 'b', a 'c')")
                .unwrap()
                .is_err()
        );
        assert!(parse_server_ddl("DROP SERVER s extra").unwrap().is_err());
    }
}
