//! The index follows the event log (SPEC §4: derived state). Each commit of the index records
//! the last event it reflects; catching up reads the events after it, re-reads the current
//! state of every record they touch, and commits the changes with the new position in one
//! tantivy commit. Applying an event twice is harmless (the record is re-read, not the
//! event replayed), so a crash between the database and the index loses nothing: after a
//! `kill -9` the next catch-up starts from the last committed position and ends at exactly
//! the database's state.

use crate::docs::Searchable;
use crate::{Kind, SearchIndex};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use techmarket_domain::{Achievement, Demand, Expert, Organization, RecordKind};
use techmarket_store::{Market, Record, StoreError};
use uuid::Uuid;

/// Events read per round trip while catching up.
const EVENT_BATCH: i64 = 2_000;

#[derive(Debug, thiserror::Error)]
pub enum FollowError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Search(#[from] crate::SearchError),
}

fn searchable(kind: RecordKind) -> Option<Kind> {
    match kind {
        RecordKind::Achievement => Some(Kind::Achievement),
        RecordKind::Demand => Some(Kind::Demand),
        RecordKind::Expert => Some(Kind::Expert),
        RecordKind::Organization => Some(Kind::Organization),
        RecordKind::Broker
        | RecordKind::Account
        | RecordKind::Docking
        | RecordKind::MatchFeedback
        | RecordKind::Listing
        | RecordKind::Intent
        | RecordKind::Contract => None,
    }
}

/// Keeps one index in step with one market's event log.
#[derive(Clone)]
pub struct Follower {
    pub index: Arc<SearchIndex>,
    pub market: Market,
}

impl Follower {
    pub fn new(index: Arc<SearchIndex>, market: Market) -> Follower {
        Follower { index, market }
    }

    /// Rebuilds the index from the records: every public record of the four kinds, then one
    /// commit at the log position read before the scan (events during the scan are applied
    /// again by the next catch-up). `progress(done, total)` is called as records are indexed.
    pub async fn rebuild(&self, mut progress: impl FnMut(u64, u64)) -> Result<u64, FollowError> {
        let seq = self.market.store().last_event_seq().await?;
        let mut total = 0u64;
        for kind in [
            RecordKind::Achievement,
            RecordKind::Demand,
            RecordKind::Expert,
            RecordKind::Organization,
        ] {
            total += self.market.store().count(kind, &[]).await?.max(0) as u64;
        }
        self.index.clear()?;
        let mut done = 0u64;
        progress(0, total);
        done = self.add_all::<Achievement>(done, total, &mut progress).await?;
        done = self.add_all::<Demand>(done, total, &mut progress).await?;
        done = self.add_all::<Expert>(done, total, &mut progress).await?;
        done = self.add_all::<Organization>(done, total, &mut progress).await?;
        self.index.commit_at(seq)?;
        progress(done, total.max(done));
        Ok(done)
    }

    async fn add_all<R: Record + Searchable>(
        &self,
        mut done: u64,
        total: u64,
        progress: &mut impl FnMut(u64, u64),
    ) -> Result<u64, FollowError> {
        let index = &self.index;
        let mut failed: Option<crate::SearchError> = None;
        self.market
            .for_each::<R>(Vec::new(), |r| {
                if failed.is_none()
                    && let Err(e) = index.upsert(&r)
                {
                    failed = Some(e);
                }
                done += 1;
                if done.is_multiple_of(1000) {
                    progress(done, total.max(done));
                }
                Ok(())
            })
            .await?;
        match failed {
            Some(e) => Err(e.into()),
            None => Ok(done),
        }
    }

    /// Applies every event after the index's position; returns how many events were read.
    /// An index that has never been built (position 0) is rebuilt instead.
    pub async fn catch_up(&self) -> Result<u64, FollowError> {
        let mut after = self.index.applied_seq();
        if after == 0 {
            let last = self.market.store().last_event_seq().await?;
            if last > 0 {
                self.rebuild(|_, _| {}).await?;
                return Ok(last as u64);
            }
            return Ok(0);
        }
        let mut read = 0u64;
        loop {
            let events = self.market.store().events_after(after, EVENT_BATCH).await?;
            if events.is_empty() {
                return Ok(read);
            }
            read += events.len() as u64;
            let mut touched: Vec<(RecordKind, Uuid)> = Vec::new();
            let mut seen = HashSet::new();
            for e in &events {
                if searchable(e.event.kind).is_some() && seen.insert((e.event.kind, e.event.record_id)) {
                    touched.push((e.event.kind, e.event.record_id));
                }
            }
            for (kind, id) in touched {
                self.apply(kind, id).await?;
            }
            after = events.last().map(|e| e.seq).unwrap_or(after);
            self.index.commit_at(after)?;
            if (events.len() as i64) < EVENT_BATCH {
                return Ok(read);
            }
        }
    }

    /// Puts the record's current state in the index (or takes it out).
    async fn apply(&self, kind: RecordKind, id: Uuid) -> Result<(), FollowError> {
        match kind {
            RecordKind::Achievement => self.put::<Achievement>(id).await,
            RecordKind::Demand => self.put::<Demand>(id).await,
            RecordKind::Expert => self.put::<Expert>(id).await,
            RecordKind::Organization => self.put::<Organization>(id).await,
            RecordKind::Broker
            | RecordKind::Account
            | RecordKind::Docking
            | RecordKind::MatchFeedback
            | RecordKind::Listing
            | RecordKind::Intent
            | RecordKind::Contract => Ok(()),
        }
    }

    async fn put<R: Record + Searchable>(&self, id: Uuid) -> Result<(), FollowError> {
        match self.market.get::<R>(id).await {
            Ok(r) => Ok(self.index.upsert(&r)?),
            Err(StoreError::NotFound { .. }) => Ok(self.index.delete(id)?),
            Err(e) => Err(e.into()),
        }
    }

    /// Catches up every `interval` until `stop` resolves; errors are logged and retried.
    pub async fn run(self, interval: Duration, stop: impl std::future::Future<Output = ()>) {
        tokio::pin!(stop);
        loop {
            if let Err(e) = self.catch_up().await {
                tracing::warn!(error = %e, "search index: catching up failed; retrying");
            }
            tokio::select! {
                _ = &mut stop => return,
                _ = tokio::time::sleep(interval) => {}
            }
        }
    }
}
