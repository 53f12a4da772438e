"use client";

// The foot of a keyset-paged list (alerts, the audit log): "Load more" while the server has
// another page, then a line saying the list is complete, so an operator never wonders whether
// the rows stopped because of an error or because there are no more.
import { Button } from "./button";

type Pages = { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage: () => Promise<unknown> };

export function LoadMore({ query, endText }: { query: Pages; endText: string }) {
  return (
    <div className="mt-4 flex justify-center">
      {query.hasNextPage ? (
        <Button onClick={() => void query.fetchNextPage()} disabled={query.isFetchingNextPage}>
          {query.isFetchingNextPage ? "Loading…" : "Load more"}
        </Button>
      ) : (
        <p className="text-sm text-zinc-600 dark:text-zinc-400">{endText}</p>
      )}
    </div>
  );
}
