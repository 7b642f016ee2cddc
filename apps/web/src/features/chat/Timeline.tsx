import { useVirtualizer } from '@tanstack/react-virtual';
import { useLayoutEffect, useRef, type ReactElement, type ReactNode } from 'react';

export interface TimelineProps<Row> {
  readonly rows: readonly Row[];
  readonly rowKey: (row: Row) => string;
  readonly renderRow: (row: Row) => ReactNode;
  readonly label: string;
  readonly empty: ReactNode;
}

/** How close to the end (px) still counts as "at the newest message". */
const END_SLACK_PX = 64;
/** A first guess of a row's height; rows are measured once shown. */
const ESTIMATED_ROW_PX = 88;

/**
 * A conversation's timeline, virtualised: only the rows near the viewport are in the DOM, so a
 * conversation with ten thousand messages opens and scrolls as fast as one with ten. It opens at
 * the newest row and follows new rows while the reader is at the end; scrolled up, it stays put.
 */
export function Timeline<Row>({
  rows,
  rowKey,
  renderRow,
  label,
  empty,
}: TimelineProps<Row>): ReactElement {
  const scroller = useRef<HTMLDivElement>(null);
  const isAtEnd = useRef(true);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ESTIMATED_ROW_PX,
    overscan: 8,
    getItemKey: (index) => {
      const row = rows[index];
      return row === undefined ? index : rowKey(row);
    },
  });

  useLayoutEffect(() => {
    if (isAtEnd.current && rows.length > 0) {
      virtualizer.scrollToIndex(rows.length - 1, { align: 'end' });
    }
  }, [rows.length, virtualizer]);

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
      }}
    >
      {rows.length === 0 ? empty : null}
      <ol className="timeline-items" style={{ height: virtualizer.getTotalSize() }}>
        {virtualizer.getVirtualItems().map((virtualRow) => {
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
