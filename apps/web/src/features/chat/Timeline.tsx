import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useLayoutEffect, useRef, type ReactElement, type ReactNode } from 'react';

export interface TimelineProps<Row> {
  readonly rows: readonly Row[];
  readonly rowKey: (row: Row) => string;
  readonly renderRow: (row: Row) => ReactNode;
  readonly label: string;
  readonly empty: ReactNode;
  /** Called when the first rows come into view: the place to add older rows in front. */
  readonly onNearStart?: (() => void) | undefined;
}

/** How close to the end (px) still counts as "at the newest message". */
const END_SLACK_PX = 64;
/** A first guess of a row's height; rows are measured once shown. */
const ESTIMATED_ROW_PX = 88;
/** Older rows are asked for when the first shown row is this close to the first row. */
const NEAR_START_ROWS = 10;

/** The row at the top of the viewport and how far the viewport's top is below its start. */
interface Anchor {
  readonly key: string;
  readonly offsetPx: number;
}

/**
 * A conversation's timeline, virtualised: only the rows near the viewport are in the DOM, so a
 * conversation with ten thousand messages opens and scrolls as fast as one with ten. It opens at
 * the newest row and follows new rows while the reader is at the end; scrolled up, it stays put,
 * also when older rows are added in front (the row at the top keeps its place on screen).
 */
export function Timeline<Row>({
  rows,
  rowKey,
  renderRow,
  label,
  empty,
  onNearStart,
}: TimelineProps<Row>): ReactElement {
  const scroller = useRef<HTMLDivElement>(null);
  const isAtEnd = useRef(true);
  const anchor = useRef<Anchor | null>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ESTIMATED_ROW_PX,
    overscan: 8,
    // Rows scrolled into view render in React's next pass instead of synchronously in the scroll
    // event, which made every fast scroll step a long frame (docs/performance.md).
    useFlushSync: false,
    getItemKey: (index) => {
      const row = rows[index];
      return row === undefined ? index : rowKey(row);
    },
  });

  const firstKey = rows[0] === undefined ? null : rowKey(rows[0]);
  useLayoutEffect(() => {
    const element = scroller.current;
    if (isAtEnd.current) {
      if (rows.length > 0) virtualizer.scrollToIndex(rows.length - 1, { align: 'end' });
      return;
    }
    // Rows were added in front: bring the row that was at the top back to where it was.
    const kept = anchor.current;
    if (element === null || kept === null) return;
    const index = rows.findIndex((row) => rowKey(row) === kept.key);
    const start = virtualizer.getOffsetForIndex(index, 'start')?.[0];
    if (index > 0 && start !== undefined) element.scrollTop = start + kept.offsetPx;
    // Only a change of the first row moves rows; other changes leave the scroll position alone.
  }, [rows.length, firstKey, virtualizer]);

  const virtualRows = virtualizer.getVirtualItems();
  const firstShown = virtualRows[0]?.index;
  // Asked again when rows were added and the first rows are still in view.
  useEffect(() => {
    if (firstShown !== undefined && firstShown < NEAR_START_ROWS) onNearStart?.();
  }, [firstShown, rows.length, onNearStart]);

  return (
    // Read by screen readers on demand; new messages are announced by the conversation's status line.
    <div
      ref={scroller}
      className="timeline"
      role="log"
      aria-live="off"
      aria-label={label}
      tabIndex={0}
      onScroll={(event) => {
        const element = event.currentTarget;
        isAtEnd.current =
          element.scrollHeight - element.scrollTop - element.clientHeight < END_SLACK_PX;
        // Not the first row: a day separator there moves to the front when older rows of the
        // same day are added, so it cannot mark the place.
        const top = virtualizer
          .getVirtualItems()
          .find((item) => item.index > 0 && item.end > element.scrollTop);
        anchor.current =
          top === undefined
            ? null
            : { key: String(top.key), offsetPx: element.scrollTop - top.start };
      }}
    >
      {rows.length === 0 ? empty : null}
      <ol className="timeline-items" style={{ height: virtualizer.getTotalSize() }}>
        {virtualRows.map((virtualRow) => {
          const row = rows[virtualRow.index];
          if (row === undefined) return null;
          return (
            <li
              key={virtualRow.key}
              data-index={virtualRow.index}
              ref={virtualizer.measureElement}
              className="timeline-row"
              style={{ transform: `translateY(${virtualRow.start}px)` }}
            >
              {renderRow(row)}
            </li>
          );
        })}
      </ol>
    </div>
  );
}
