//! MySQL/MariaDB adapter (being written).
