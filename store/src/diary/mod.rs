//! The participant's diaries and quit attempts: writes, lists, offline sync
//! and the change feed.
