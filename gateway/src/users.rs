//! The gateway's users: `CREATE`/`ALTER`/`DROP USER`, who may run catalog statements, and
//! the first admin from the configuration.
//!
//! While no user exists (trust authentication for loopback clients, see `server.rs`), every
//! client is an admin, so the first admin can be created over SQL. Once users exist, only
//! superusers (`SUPERUSER` or `ADMIN`) may create, alter or drop servers and users; anyone
//! may change their own password.
//!
//! `CONNECTION LIMIT n` bounds the sessions a user may have open at once (`-1`: no limit,
//! as in PostgreSQL; superusers are not held to it); the check is at start-up
//! (`server.rs`).

use std::sync::atomic::{AtomicBool, Ordering};

use fedgate_catalog::{Catalog, StoredUser};
use pgwire::api::results::{Response, Tag};
use pgwire::error::PgWireResult;

use crate::auth::{md5_secret, ScramVerifier};
use crate::ddl::{Password, ServerDdl, UserDdl};
use crate::errors::{from_adapter, user_error};
use fedgate_adapter_api::SqlState;

/// Whether md5 secrets are stored next to SCRAM verifiers (md5 authentication configured).
static STORE_MD5: AtomicBool = AtomicBool::new(false);

/// Makes later password changes also store the md5 secret (see the README's trade-off).
pub fn set_store_md5(store: bool) {
    STORE_MD5.store(store, Ordering::SeqCst);
}

/// Whether `user` may run catalog statements: a superuser, or anyone while no user exists.
pub fn is_admin(catalog: &Catalog, user: &str) -> bool {
    catalog.is_admin(user)
}

/// The stored form of a user with `password`.
pub fn stored_user(name: &str, password: &str, superuser: bool) -> StoredUser {
    StoredUser {
        name: name.to_string(),
        superuser,
        scram: ScramVerifier::generate(password).encode(),
        md5: STORE_MD5
            .load(Ordering::SeqCst)
            .then(|| md5_secret(name, password)),
        connection_limit: None,
    }
}

/// A `CONNECTION LIMIT` as stored: `-1` is no limit, other negatives are 22023 as in
/// PostgreSQL.
fn connection_limit(value: i64) -> PgWireResult<Option<u32>> {
    match value {
        -1 => Ok(None),
        n => u32::try_from(n).map(Some).map_err(|_| {
            user_error(
                SqlState::InvalidParameterValue,
                format!("invalid connection limit: {n}"),
            )
        }),
    }
}

/// Refuses server statements to non-admins with PostgreSQL's 42501 messages.
pub fn authorize_server_ddl(catalog: &Catalog, user: &str, ddl: &ServerDdl) -> PgWireResult<()> {
    if is_admin(catalog, user) {
        return Ok(());
    }
    let message = match ddl {
        ServerDdl::Create { wrapper, .. } => {
            format!("permission denied for foreign-data wrapper {wrapper}")
        }
        ServerDdl::Alter { name, .. } => format!("must be owner of foreign server {name}"),
        ServerDdl::Drop { names, .. } => {
            format!("must be owner of foreign server {}", names.join(", "))
        }
        ServerDdl::Refresh { .. } | ServerDdl::User(_) => return Ok(()),
    };
    Err(user_error(SqlState::InsufficientPrivilege, message))
}

/// Runs a user statement for `current` (the session's user); NOTICE messages (PostgreSQL's
/// `role "x" does not exist, skipping`) go to `notices`.
pub async fn execute(
    catalog: &Catalog,
    current: &str,
    ddl: &UserDdl,
    notices: &mut Vec<String>,
) -> PgWireResult<Response> {
    let admin = is_admin(catalog, current);
    let tag = ServerDdl::User(ddl.clone()).tag();
    match ddl {
        UserDdl::Create {
            name,
            password,
            superuser,
            connection_limit: limit,
        } => {
            if !admin {
                return Err(user_error(
                    SqlState::InsufficientPrivilege,
                    "permission denied to create role",
                ));
            }
            if catalog.user(name).is_some() {
                return Err(user_error(
                    SqlState::DuplicateObject,
                    format!("role \"{name}\" already exists"),
                ));
            }
            let Some(Password(password)) = password else {
                return Err(user_error(
                    SqlState::FeatureNotSupported,
                    "fedgate users need a password: CREATE USER name PASSWORD '...'",
                ));
            };
            let superuser = superuser.unwrap_or(false);
            if !catalog.has_users() && !superuser {
                return Err(user_error(
                    SqlState::FeatureNotSupported,
                    "the first user must be an admin: CREATE USER name PASSWORD '...' SUPERUSER",
                ));
            }
            validate(name, password)?;
            let mut user = stored_user(name, password, superuser);
            user.connection_limit = limit.map(connection_limit).transpose()?.flatten();
            save(catalog, user).await?;
            tracing::info!(user = %name, superuser, "user created");
        }
        UserDdl::Alter {
            name,
            password,
            superuser,
            connection_limit: limit,
        } => {
            let Some(mut user) = catalog.user(name) else {
                return Err(user_error(
                    SqlState::UndefinedObject,
                    format!("role \"{name}\" does not exist"),
                ));
            };
            if superuser.is_some() && !admin {
                return Err(user_error(
                    SqlState::InsufficientPrivilege,
                    "must be superuser to alter superuser roles or change superuser attribute",
                ));
            }
            if !admin && (name != current || limit.is_some()) {
                return Err(user_error(
                    SqlState::InsufficientPrivilege,
                    "permission denied to alter role",
                ));
            }
            if let Some(Password(password)) = password {
                validate(name, password)?;
                let fresh = stored_user(name, password, user.superuser);
                user.scram = fresh.scram;
                user.md5 = fresh.md5;
            }
            if let Some(superuser) = superuser {
                if !superuser && name == current && last_admin(catalog, name) {
                    return Err(user_error(
                        SqlState::FeatureNotSupported,
                        "the last admin cannot lose SUPERUSER; make another user an admin first",
                    ));
                }
                user.superuser = *superuser;
            }
            if let Some(limit) = limit {
                user.connection_limit = connection_limit(*limit)?;
            }
            save(catalog, user).await?;
            tracing::info!(user = %name, "user altered");
        }
        UserDdl::Drop { names, if_exists } => {
            drop_users(catalog, current, admin, names, *if_exists, notices).await?;
        }
    }
    Ok(Response::Execution(Tag::new(tag)))
}

/// DROP USER|ROLE [IF EXISTS] names: all or none (checked first); with IF EXISTS, a NOTICE
/// for each name that does not exist, as PostgreSQL.
async fn drop_users(
    catalog: &Catalog,
    current: &str,
    admin: bool,
    names: &[String],
    if_exists: bool,
    notices: &mut Vec<String>,
) -> PgWireResult<()> {
    if !admin {
        return Err(user_error(
            SqlState::InsufficientPrivilege,
            "permission denied to drop role",
        ));
    }
    for name in names {
        if name == current {
            return Err(user_error(
                SqlState::ObjectInUse,
                "current user cannot be dropped",
            ));
        }
        if catalog.user(name).is_none() && !if_exists {
            return Err(user_error(
                SqlState::UndefinedObject,
                format!("role \"{name}\" does not exist"),
            ));
        }
    }
    for name in names {
        if catalog
            .drop_user(name)
            .await
            .map_err(|e| from_adapter(&e))?
        {
            tracing::info!(user = %name, "user dropped");
        } else {
            notices.push(format!("role \"{name}\" does not exist, skipping"));
        }
    }
    Ok(())
}

/// Whether `name` is the only superuser.
fn last_admin(catalog: &Catalog, name: &str) -> bool {
    catalog
        .user_names()
        .iter()
        .filter(|n| n.as_str() != name)
        .all(|n| !catalog.user(n).is_some_and(|u| u.superuser))
}

fn validate(name: &str, password: &str) -> PgWireResult<()> {
    if name.is_empty() || name.len() > 63 {
        return Err(user_error(
            SqlState::InvalidName,
            format!("invalid user name \"{name}\": 1 to 63 bytes"),
        ));
    }
    if password.is_empty() {
        return Err(user_error(
            SqlState::InvalidParameterValue,
            "the password must not be empty",
        ));
    }
    Ok(())
}

async fn save(catalog: &Catalog, user: StoredUser) -> PgWireResult<()> {
    catalog.put_user(user).await.map_err(|e| from_adapter(&e))
}

/// Creates the configured first admin when no user of that name exists yet; an existing
/// user is left alone (its password may have been changed over SQL since).
pub async fn bootstrap_admin(catalog: &Catalog, name: &str, password: &str) -> Result<(), String> {
    if catalog.user(name).is_some() {
        return Ok(());
    }
    if password.is_empty() {
        return Err(format!("the password of admin user \"{name}\" is empty"));
    }
    catalog
        .put_user(stored_user(name, password, true))
        .await
        .map_err(|e| e.to_string())?;
    tracing::info!(user = %name, "admin user created from the configuration");
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use fedgate_catalog::MemoryStore;

    use super::*;

    /// These tests register no server, so no table is ever built.
    #[derive(Debug)]
    struct NoRemoteTables;

    impl fedgate_catalog::RemoteTableBuilder for NoRemoteTables {
        fn build(
            &self,
            _: &str,
            _: Arc<dyn fedgate_adapter_api::Backend>,
            _: &str,
            _: &str,
            _: datafusion::arrow::datatypes::SchemaRef,
        ) -> fedgate_adapter_api::Result<Arc<dyn datafusion::catalog::TableProvider>> {
            unreachable!("no server is registered in these tests")
        }
    }

    async fn catalog() -> Catalog {
        let wrappers = Arc::new(fedgate_catalog::Wrappers::new(Vec::new()));
        Catalog::open(
            Arc::new(MemoryStore::new()),
            wrappers,
            Arc::new(NoRemoteTables),
        )
        .await
        .unwrap()
    }

    fn code(result: PgWireResult<Response>) -> String {
        match result {
            Err(pgwire::error::PgWireError::UserError(info)) => info.code,
            Err(e) => panic!("{e}"),
            Ok(_) => "ok".into(),
        }
    }

    fn create(name: &str, superuser: bool) -> UserDdl {
        UserDdl::Create {
            name: name.into(),
            // Not made of base64 characters: it cannot appear in a verifier by chance.
            password: Some(Password("p w!".into())),
            superuser: Some(superuser),
            connection_limit: None,
        }
    }

    #[tokio::test]
    async fn admins_and_others() {
        let catalog = catalog().await;
        let mut notices = Vec::new();
        assert!(is_admin(&catalog, "anyone"));
        assert_eq!(
            code(execute(&catalog, "x", &create("bob", false), &mut notices).await),
            "0A000"
        );
        assert_eq!(
            code(execute(&catalog, "x", &create("root", true), &mut notices).await),
            "ok"
        );
        assert!(!is_admin(&catalog, "anyone"));
        assert!(is_admin(&catalog, "root"));
        let stored = catalog.user("root").unwrap();
        assert!(stored.scram.starts_with("SCRAM-SHA-256$4096:"));
        assert!(!stored.scram.contains("p w!"));
        assert_eq!(
            code(execute(&catalog, "root", &create("bob", false), &mut notices).await),
            "ok"
        );
        assert_eq!(
            code(execute(&catalog, "root", &create("bob", false), &mut notices).await),
            "42710"
        );
        assert_eq!(
            code(execute(&catalog, "bob", &create("eve", false), &mut notices).await),
            "42501"
        );
        let own = UserDdl::Alter {
            name: "bob".into(),
            password: Some(Password("new".into())),
            superuser: None,
            connection_limit: None,
        };
        assert_eq!(
            code(execute(&catalog, "bob", &own, &mut notices).await),
            "ok"
        );
        let other = UserDdl::Alter {
            name: "root".into(),
            password: Some(Password("new".into())),
            superuser: None,
            connection_limit: None,
        };
        assert_eq!(
            code(execute(&catalog, "bob", &other, &mut notices).await),
            "42501"
        );
        let drop = |names: &[&str], if_exists| UserDdl::Drop {
            names: names.iter().map(|n| n.to_string()).collect(),
            if_exists,
        };
        assert_eq!(
            code(execute(&catalog, "bob", &drop(&["root"], false), &mut notices).await),
            "42501"
        );
        assert_eq!(
            code(execute(&catalog, "root", &drop(&["root"], false), &mut notices).await),
            "55006"
        );
        assert_eq!(
            code(execute(&catalog, "root", &drop(&["nope"], false), &mut notices).await),
            "42704"
        );
        assert_eq!(
            code(
                execute(
                    &catalog,
                    "root",
                    &drop(&["nope", "bob"], true),
                    &mut notices
                )
                .await
            ),
            "ok"
        );
        assert!(catalog.user("bob").is_none());
        assert_eq!(notices, ["role \"nope\" does not exist, skipping"]);
        let server = ServerDdl::Drop {
            names: vec!["samples".into()],
            if_exists: false,
        };
        assert!(authorize_server_ddl(&catalog, "root", &server).is_ok());
        assert!(authorize_server_ddl(&catalog, "nobody", &server).is_err());
    }

    #[tokio::test]
    async fn connection_limits() {
        let catalog = catalog().await;
        let mut notices = Vec::new();
        let run = |ddl: UserDdl, current: &'static str| {
            let catalog = &catalog;
            let mut notices = Vec::new();
            async move { code(execute(catalog, current, &ddl, &mut notices).await) }
        };
        execute(&catalog, "x", &create("root", true), &mut notices)
            .await
            .unwrap();
        let alice = |limit| UserDdl::Create {
            name: "alice".into(),
            password: Some(Password("pw".into())),
            superuser: None,
            connection_limit: Some(limit),
        };
        assert_eq!(run(alice(-2), "root").await, "22023");
        assert_eq!(run(alice(2), "root").await, "ok");
        assert_eq!(catalog.user("alice").unwrap().connection_limit, Some(2));
        let alter = |limit| UserDdl::Alter {
            name: "alice".into(),
            password: None,
            superuser: None,
            connection_limit: Some(limit),
        };
        assert_eq!(run(alter(5), "alice").await, "42501", "not her own limit");
        assert_eq!(run(alter(5), "root").await, "ok");
        assert_eq!(catalog.user("alice").unwrap().connection_limit, Some(5));
        assert_eq!(run(alter(-1), "root").await, "ok");
        assert_eq!(catalog.user("alice").unwrap().connection_limit, None);
    }
}
