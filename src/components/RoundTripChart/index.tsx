/*
 * The measured comparison on the choosing page: the round trips and bulk
 * transfers of kernel/compare's program, as tables and as a chart, all
 * drawn from the one file the bench writes (kernel/compare/measured.json,
 * `npm run bench -- roundtrip --write`), which the page imports and hands
 * to each of them. No figure is written anywhere else.
 */
import type {ReactNode} from 'react';
import {translate} from '@docusaurus/Translate';
import {BASELINE, decadeLabel, formatNs, formatRatio, logAxis, ratios, type LabFigures, type LabName, type Measured} from './measured';
import styles from './styles.module.css';

interface Props {
  readonly data: Measured;
}

function labName(lab: LabName): string {
  return lab === 'server'
    ? translate({id: 'roundtrip.lab.server', message: 'x86-64, QEMU (lab server)'})
    : translate({id: 'roundtrip.lab.tab', message: 'i386, v86 (your tab)'});
}

/** What each row times, in the reader's language (the program prints English). */
function rowName(id: string): string {
  switch (id) {
    case 'getppid':
      return translate({id: 'roundtrip.row.getppid', message: 'getppid(), a bare system call'});
    case 'syscall':
      return translate({id: 'roundtrip.row.syscall', message: "my_syscall(42), the lab's system call"});
    case 'ioctl':
      return translate({id: 'roundtrip.row.ioctl', message: 'ioctl GET'});
    case 'ioctl-set':
      return translate({id: 'roundtrip.row.ioctlSet', message: 'ioctl SET, which logs a line'});
    case 'netlink':
      return translate({id: 'roundtrip.row.netlink', message: 'netlink GET and its reply'});
    case 'procfs':
      return translate({id: 'roundtrip.row.procfs', message: 'procfs file, pread'});
    case 'sysfs':
      return translate({id: 'roundtrip.row.sysfs', message: 'sysfs file, pread'});
    case 'sysfs-open':
      return translate({id: 'roundtrip.row.sysfsOpen', message: 'sysfs file, open + read + close'});
    case 'signal':
      return translate({id: 'roundtrip.row.signal', message: 'signal: write a PID, SIGIO back'});
    case 'mmap':
      return translate({id: 'roundtrip.row.mmap', message: 'shared page: store, the kernel reads it'});
    case 'store':
      return translate({id: 'roundtrip.row.store', message: 'shared page: store and load, no kernel'});
    case 'netlink-4k':
      return translate({id: 'roundtrip.row.netlink4k', message: 'netlink SET with 4 KiB, acknowledged'});
    case 'mmap-4k-notify':
      return translate({id: 'roundtrip.row.mmap4kNotify', message: 'copy 4 KiB into the shared page, read(2) as the notice'});
    case 'mmap-4k':
      return translate({id: 'roundtrip.row.mmap4k', message: 'copy 4 KiB into the shared page'});
    default:
      return id;
  }
}

const timesLabel = (): string => translate({id: 'roundtrip.times', message: '× getppid()'});

/** Round trips: time and ratio to getppid(), one pair of columns per lab. */
export function RoundTripTable({data}: Props): ReactNode {
  const labs = data.labs;
  const r = labs.map(ratios);
  return (
    <div className={styles.scroll}>
      <table className={styles.table}>
        <thead>
          <tr>
            <th rowSpan={2}>{translate({id: 'roundtrip.head.trip', message: 'Round trip'})}</th>
            {labs.map((l) => (
              <th key={l.lab} colSpan={2} className={styles.lab}>
                {labName(l.lab)}
              </th>
            ))}
          </tr>
          <tr>
            {labs.map((l) => [
              <th key={`${l.lab}-ns`} className={styles.num}>
                ns
              </th>,
              <th key={`${l.lab}-x`} className={styles.num}>
                {timesLabel()}
              </th>,
            ])}
          </tr>
        </thead>
        <tbody>
          {labs[0]!.roundTrips.map(({id}) => (
            <tr key={id} className={id === BASELINE ? styles.baseline : undefined}>
              <td>{rowName(id)}</td>
              {labs.map((l, i) => [
                <td key={`${l.lab}-ns`} className={styles.num}>
                  {formatNs(l.roundTrips.find((t) => t.id === id)!.ns)}
                </td>,
                <td key={`${l.lab}-x`} className={styles.num}>
                  {formatRatio(r[i]![id]!)}
                </td>,
              ])}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Bulk transfers in MiB/s, one column per lab. */
export function BulkTable({data}: Props): ReactNode {
  const labs = data.labs;
  return (
    <div className={styles.scroll}>
      <table className={styles.table}>
        <thead>
          <tr>
            <th>{translate({id: 'roundtrip.head.bulk', message: 'Moving 4 KiB at a time'})}</th>
            {labs.map((l) => (
              <th key={l.lab} className={styles.num}>
                {labName(l.lab)}, MiB/s
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {labs[0]!.bulk.map(({id}) => (
            <tr key={id}>
              <td>{rowName(id)}</td>
              {labs.map((l) => (
                <td key={l.lab} className={styles.num}>
                  {l.bulk.find((b) => b.id === id)!.mibps.toLocaleString('en-US').replace(/,/g, '\u202f')}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * The round trips as bars, each lab's ratio to its own getppid() on a
 * logarithmic axis: the labs differ in speed by an order of magnitude, the
 * ratios much less, and the rows span four decades.
 */
export default function RoundTripChart({data}: Props): ReactNode {
  const labs: readonly LabFigures[] = data.labs;
  const r = labs.map(ratios);
  const axis = logAxis(r.flatMap((x) => Object.values(x)));
  const span = axis.to - axis.from;
  const at = (x: number): number => ((Math.log10(Math.max(x, 10 ** axis.from)) - axis.from) / span) * 100;
  const decades = Array.from({length: span + 1}, (_, i) => axis.from + i);
  const caption = translate(
    {
      id: 'roundtrip.chart.caption',
      message: 'Each round trip as a multiple of getppid() on the same lab (logarithmic scale): measured on {date}.',
    },
    {date: data.date},
  );
  return (
    <figure className={styles.figure}>
      <div className={styles.legend} aria-hidden="true">
        {labs.map((l) => (
          <span key={l.lab} className={styles.legendItem}>
            <span className={`${styles.swatch} ${styles[l.lab]}`} />
            {labName(l.lab)}
          </span>
        ))}
      </div>
      <div className={styles.chart} role="list">
        <div className={styles.axisRow} aria-hidden="true">
          <span />
          <div className={styles.axis}>
            {decades.map((d) => (
              <span key={d} className={styles.tick} style={{left: `${((d - axis.from) / span) * 100}%`}}>
                {decadeLabel(d)}
              </span>
            ))}
          </div>
        </div>
        {labs[0]!.roundTrips.map(({id}) => (
          <div key={id} className={styles.row} role="listitem">
            <span className={styles.rowName}>{rowName(id)}</span>
            <div className={styles.track}>
              {decades.map((d) => (
                <span key={d} className={d === 0 ? styles.one : styles.grid} style={{left: `${((d - axis.from) / span) * 100}%`}} />
              ))}
              {labs.map((l, i) => (
                <span
                  key={l.lab}
                  className={`${styles.bar} ${styles[l.lab]}`}
                  style={{width: `${at(r[i]![id]!)}%`}}
                  title={`${labName(l.lab)}: ${formatNs(l.roundTrips.find((t) => t.id === id)!.ns)} ns, ${formatRatio(r[i]![id]!)} ${timesLabel()}`}>
                  <span className={styles.value}>
                    <span className="sr-only">{labName(l.lab)}: </span>
                    {formatRatio(r[i]![id]!)}
                  </span>
                </span>
              ))}
            </div>
          </div>
        ))}
      </div>
      <figcaption>{caption}</figcaption>
    </figure>
  );
}

function labFigures(data: Measured, lab: LabName): LabFigures {
  const l = data.labs.find((x) => x.lab === lab);
  if (!l) throw new Error(`measured: no ${lab} lab`);
  return l;
}

/**
 * One ratio from the measured file, for the page's prose, so that a number
 * in a sentence is the table's: `<Ratio data={measured} lab="server" row="netlink" />`.
 */
export function Ratio({data, lab, row}: Props & {readonly lab: LabName; readonly row: string}): ReactNode {
  const r = ratios(labFigures(data, lab))[row];
  if (r === undefined) throw new Error(`measured: no row ${row}`);
  return <>{formatRatio(r)}</>;
}

/** One bulk rate from the measured file, in MiB/s, for the prose. */
export function Rate({data, lab, row}: Props & {readonly lab: LabName; readonly row: string}): ReactNode {
  const b = labFigures(data, lab).bulk.find((x) => x.id === row);
  if (!b) throw new Error(`measured: no bulk row ${row}`);
  return <>{b.mibps.toLocaleString('en-US').replace(/,/g, '\u202f')}</>;
}
