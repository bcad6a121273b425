//! Following a paginated listing: call with a token, take the page, ask for the next.
//!
//! Every listing berth reads (repositories, images, findings, pull-through rules,
//! lifecycle previews, ECS and Lambda) goes through here, so the rules live in one place:
//! each page is asked for once, with the token the previous page gave; the listing ends
//! at the first page without a token, or at a page that hands back the token it was asked
//! with (a service doing that would otherwise be asked forever); and the first error ends
//! it.
//!
//! Retries belong to `fetch`: a caller that retries wraps each call in [`crate::retry`]
//! with its [`retryable`](crate::retry::retryable) policy, so a throttled page is asked
//! for again with the same token and a sweep never loses or repeats rows.

use super::model::Page;
use std::future::Future;
use std::ops::ControlFlow;

/// A page of some listing: whatever else it holds, it says where the next one starts.
pub trait Paged {
    /// The token that asks for the next page; `None` on the last one.
    fn next_token_mut(&mut self) -> &mut Option<String>;
}

impl<T> Paged for Page<T> {
    fn next_token_mut(&mut self) -> &mut Option<String> {
        &mut self.next_token
    }
}

/// Hand every page of a listing to `each` as it arrives, until the listing ends, `each`
/// breaks (the caller has moved on), or a call fails (its error is returned).
///
/// The page `each` sees has no `next_token` when it is the last one, so a consumer that
/// reads "no token" as "done" agrees with the pager.
pub async fn for_each_page<P: Paged, E, Fut>(
    mut fetch: impl FnMut(Option<String>) -> Fut,
    mut each: impl FnMut(P) -> ControlFlow<()>,
) -> Result<(), E>
where
    Fut: Future<Output = Result<P, E>>,
{
    let mut token: Option<String> = None;
    loop {
        let mut page = fetch(token.clone()).await?;
        let given = page.next_token_mut();
        *given = given
            .take()
            .filter(|next| token.as_deref() != Some(next.as_str()));
        let next = given.clone();
        if each(page).is_break() {
            return Ok(());
        }
        match next {
            Some(next) => token = Some(next),
            None => return Ok(()),
        }
    }
}

/// Stream a listing to `deliver` while `wanted()` holds (a view that was left does not
/// want the rest): each page as it arrives, then the failed call's error if one ends it.
/// Nothing is asked for once `wanted()` turns false.
pub async fn stream_pages<P: Paged, E, Fut>(
    fetch: impl FnMut(Option<String>) -> Fut,
    wanted: impl Fn() -> bool,
    mut deliver: impl FnMut(Result<P, E>),
) where
    Fut: Future<Output = Result<P, E>>,
{
    if !wanted() {
        return;
    }
    let listing = for_each_page(fetch, |page| {
        deliver(Ok(page));
        if wanted() {
            ControlFlow::Continue(())
        } else {
            ControlFlow::Break(())
        }
    })
    .await;
    if let Err(err) = listing {
        deliver(Err(err));
    }
}

/// Every item of a listing, in the order the pages gave them.
pub async fn all_pages<T, E, Fut>(fetch: impl FnMut(Option<String>) -> Fut) -> Result<Vec<T>, E>
where
    Fut: Future<Output = Result<Page<T>, E>>,
{
    let mut items = Vec::new();
    for_each_page(fetch, |page: Page<T>| {
        items.extend(page.items);
        ControlFlow::Continue(())
    })
    .await?;
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    /// A listing of `items` served `per_page` at a time, recording the tokens asked with.
    fn listing(
        items: &[u32],
        per_page: usize,
        asked: &RefCell<Vec<Option<String>>>,
        token: Option<String>,
    ) -> std::future::Ready<Result<Page<u32>, String>> {
        asked.borrow_mut().push(token.clone());
        let start: usize = token.map_or(0, |t| t.parse().unwrap());
        let end = (start + per_page).min(items.len());
        std::future::ready(Ok(Page {
            items: items[start..end].to_vec(),
            next_token: (end < items.len()).then(|| end.to_string()),
        }))
    }

    #[tokio::test]
    async fn every_page_is_asked_for_once_with_the_previous_token() {
        let items: Vec<u32> = (0..7).collect();
        let asked = RefCell::new(Vec::new());
        let all = all_pages(|t| listing(&items, 3, &asked, t)).await;
        assert_eq!(all, Ok(items.clone()));
        assert_eq!(
            *asked.borrow(),
            [None, Some("3".to_string()), Some("6".to_string())]
        );
    }

    #[tokio::test]
    async fn a_break_stops_before_the_next_call() {
        let items: Vec<u32> = (0..7).collect();
        let asked = RefCell::new(Vec::new());
        let mut seen = Vec::new();
        let result: Result<(), String> = for_each_page(
            |t| listing(&items, 3, &asked, t),
            |page| {
                seen.push(page.items);
                ControlFlow::Break(())
            },
        )
        .await;
        assert_eq!(result, Ok(()));
        assert_eq!((seen.len(), asked.borrow().len()), (1, 1));
    }

    #[tokio::test]
    async fn a_stream_stops_asking_once_it_is_no_longer_wanted() {
        let items: Vec<u32> = (0..7).collect();
        let asked = RefCell::new(Vec::new());
        let delivered = RefCell::new(Vec::new());
        stream_pages(
            |t| listing(&items, 3, &asked, t),
            || delivered.borrow().len() < 2,
            |page| delivered.borrow_mut().push(page.map(|p| p.items)),
        )
        .await;
        assert_eq!(asked.borrow().len(), 2);
        assert_eq!(*delivered.borrow(), [Ok(vec![0, 1, 2]), Ok(vec![3, 4, 5])]);

        asked.borrow_mut().clear();
        stream_pages(|t| listing(&items, 3, &asked, t), || false, |_| {}).await;
        assert!(
            asked.borrow().is_empty(),
            "nothing asked for a view already left"
        );
    }

    #[tokio::test]
    async fn a_stream_delivers_the_error_that_ends_it() {
        let mut delivered = Vec::new();
        stream_pages(
            |_| std::future::ready(Err::<Page<u32>, _>("denied")),
            || true,
            |result| delivered.push(result.map(|p| p.items)),
        )
        .await;
        assert_eq!(delivered, [Err("denied")]);
    }

    #[tokio::test]
    async fn an_error_ends_the_listing_and_is_returned() {
        let calls = RefCell::new(0);
        let result: Result<Vec<u32>, &str> = all_pages(|_| {
            *calls.borrow_mut() += 1;
            let n = *calls.borrow();
            std::future::ready(if n == 1 {
                Ok(Page {
                    items: vec![1],
                    next_token: Some("more".into()),
                })
            } else {
                Err("denied")
            })
        })
        .await;
        assert_eq!((result, *calls.borrow()), (Err("denied"), 2));
    }

    #[tokio::test]
    async fn a_token_handed_back_unchanged_ends_the_listing_and_reads_as_the_last_page() {
        let calls = RefCell::new(0);
        let mut last_token = Some(None);
        let result: Result<(), ()> = for_each_page(
            |token| {
                *calls.borrow_mut() += 1;
                std::future::ready(Ok(Page {
                    items: vec![0u32],
                    next_token: Some(token.unwrap_or_else(|| "again".into())),
                }))
            },
            |page| {
                last_token = Some(page.next_token);
                ControlFlow::Continue(())
            },
        )
        .await;
        assert_eq!(result, Ok(()));
        assert_eq!((*calls.borrow(), last_token), (2, Some(None)));
    }
}
