//! List pages: filtered, ranked and cut at the cursor.

use super::Snapshot;
use crate::catalog::cache::{Page, PointFilters};
use crate::catalog::data::{ConditionCategory, PointKind};
use crate::catalog::model::{ConditionList, Localizer, MatchReason, PointList, RoutineList};
use crate::catalog::search::Field;
use crate::pagination::SortKey;

impl Snapshot {
    /// One page of the points passing `f`, ranked. Only the items of the page get their
    /// `matches` (a short prefix matches hundreds of points; their reasons would be dropped).
    pub fn point_page(&self, tr: &Localizer, f: &PointFilters, page: &Page) -> PointList {
        let hits = f.q.as_deref().map(|k| self.search(k));
        let served = |i: usize| {
            f.conditions
                .iter()
                .filter_map(move |&ci| self.condition_rank(i, ci).map(|rank| (ci, rank)))
        };
        let mut items: Vec<(SortKey, usize)> = Vec::new();
        for (i, point) in self.points.iter().enumerate() {
            if self.retired.point(i)
                || f.meridian
                    .as_ref()
                    .is_some_and(|m| point.meridian.as_ref() != Some(m))
                || f.region.is_some_and(|r| point.body_region != r)
                || f.pregnancy.is_some_and(|level| point.pregnancy != level)
                || f.standard
                    .is_some_and(|s| (point.kind == PointKind::Standard) != s)
            {
                continue;
            }
            let mut key: SortKey = [0, 0, i as i64];
            if !f.conditions.is_empty() {
                let (count, ranks) =
                    served(i).fold((0i64, 0i64), |(n, sum), (_, r)| (n + 1, sum + r as i64));
                if count == 0 {
                    continue;
                }
                key[1] = -(count * 1000) + ranks;
            }
            if let Some(hits) = &hits {
                let Some(hit) = hits[i] else {
                    continue;
                };
                key[0] = -(hit.score * 1000.0).round() as i64;
            }
            items.push((key, i));
        }
        items.sort_unstable_by_key(|(key, _)| *key);
        let (page, next_cursor) = page.of(items, f);
        let items = page
            .into_iter()
            .map(|i| {
                let hit = hits.as_ref().and_then(|hits| hits[i]);
                let matches = hit
                    .map(|hit| MatchReason {
                        field: hit.field,
                        value: hit.value.into(),
                    })
                    .into_iter()
                    .chain(served(i).map(|(ci, _)| MatchReason {
                        field: Field::Condition,
                        value: self.conditions[ci].slug.clone(),
                    }))
                    .collect();
                self.point_summary(i, tr, matches)
            })
            .collect();
        PointList { items, next_cursor }
    }

    /// One page of the conditions, in catalog order, of one category or all.
    pub fn condition_page(
        &self,
        tr: &Localizer,
        category: &Option<ConditionCategory>,
        page: &Page,
    ) -> ConditionList {
        let items = (0..self.conditions.len())
            .filter(|&ci| !self.retired.condition(ci))
            .filter(|&ci| category.is_none_or(|c| self.conditions[ci].category == c))
            .map(|ci| ([0, 0, ci as i64], self.condition_summary(ci, tr)))
            .collect();
        let (items, next_cursor) = page.of(items, category);
        ConditionList { items, next_cursor }
    }

    /// One page of the routines, in catalog order, for one condition (a canonical slug)
    /// or all.
    pub fn routine_page(
        &self,
        tr: &Localizer,
        condition: &Option<String>,
        page: &Page,
    ) -> RoutineList {
        let items = (0..self.routines.len())
            .filter(|&ri| !self.retired.routine(ri))
            .filter(|&ri| {
                condition
                    .as_ref()
                    .is_none_or(|c| self.routines[ri].conditions.contains(c))
            })
            .map(|ri| ([0, 0, ri as i64], self.routine_summary(ri, tr)))
            .collect();
        let (items, next_cursor) = page.of(items, condition);
        RoutineList { items, next_cursor }
    }
}
