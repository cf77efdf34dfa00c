import type { KeyFilter, KeySort } from '../../shared/contract/keys'
import { KEY_COLUMNS } from './key-rows'

export interface SqlFragment {
  sql: string
  params: (string | number)[]
}

/**
 * Each sort maps onto one index, with the id (the creation order) breaking ties, so a page is
 * an index range scan rather than a sort of the whole table.
 */
const orderColumns: Record<KeySort, string[]> = {
  createdAt: [],
  lastUsedAt: ['last_used_at'],
  requests: ['requests'],
  failures: ['failures'],
  label: ['label COLLATE NOCASE'],
  state: ['state'],
}

export function keyOrderSql(sort: KeySort, order: 'asc' | 'desc'): string {
  const direction = order === 'asc' ? 'ASC' : 'DESC'
  return [...orderColumns[sort], 'id'].map((column) => `${column} ${direction}`).join(', ')
}

const escapeLike = (text: string): string => text.replace(/[\\%_]/g, '\\$&')

/** The last 4 characters someone searches for, also when they paste a masked `sk-…abcd`. */
function last4Of(query: string): string {
  const ellipsis = query.lastIndexOf('…')
  if (ellipsis >= 0) return query.slice(ellipsis + 1)
  const dots = query.lastIndexOf('...')
  return dots >= 0 ? query.slice(dots + 3) : query
}

/**
 * The filter as SQL terms. `indexed: false` writes `+column`, which keeps SQLite from driving
 * the query by that column's index, so that it walks the sort's index instead.
 */
function filterTerms(filter: KeyFilter, indexed: boolean): SqlFragment {
  const terms: string[] = []
  const params: (string | number)[] = []
  const plus = indexed ? '' : '+'
  if (filter.status !== undefined) {
    terms.push(`${plus}state = ?`)
    params.push(filter.status)
  }
  if (filter.providerId !== undefined) {
    terms.push(`${plus}provider_id = ?`)
    params.push(filter.providerId)
  }
  if (filter.q !== undefined && filter.q !== '') {
    terms.push(`(label LIKE ? ESCAPE '\\' OR last4 = ? COLLATE NOCASE)`)
    params.push(`%${escapeLike(filter.q)}%`, last4Of(filter.q))
  }
  return { sql: terms.join(' AND '), params }
}

const where = (terms: SqlFragment): string => (terms.sql === '' ? '' : `WHERE ${terms.sql}`)
const hasSearch = (filter: KeyFilter): boolean => filter.q !== undefined && filter.q !== ''

/** A search scans the narrow search index (label, id, last4, state, provider), never the rows. */
const SEARCH_SOURCE = 'upstream_keys INDEXED BY ix_upstream_keys_search'

/** How many keys match: an index count, or one covering scan for a search. */
export function keyCountSql(filter: KeyFilter): SqlFragment {
  const terms = filterTerms(filter, true)
  const source = hasSearch(filter) ? SEARCH_SOURCE : 'upstream_keys'
  return { sql: `SELECT count(*) AS n FROM ${source} ${where(terms)}`, params: terms.params }
}

/**
 * One page of keys. With `sortDriven` the query walks the sort's index (the rowid for creation
 * order) and checks the filter row by row, stopping after the page: right when many keys match.
 * Otherwise the filter's index, or the search index, finds the matches, which are then sorted.
 */
export function keyPageSql(
  filter: KeyFilter,
  sort: KeySort,
  order: 'asc' | 'desc',
  sortDriven: boolean,
): SqlFragment {
  const orderBy = `ORDER BY ${keyOrderSql(sort, order)} LIMIT ? OFFSET ?`
  if (sortDriven) {
    const terms = filterTerms(filter, false)
    return {
      sql: `SELECT ${KEY_COLUMNS} FROM upstream_keys ${where(terms)} ${orderBy}`,
      params: terms.params,
    }
  }
  const terms = filterTerms(filter, true)
  if (!hasSearch(filter)) {
    return {
      sql: `SELECT ${KEY_COLUMNS} FROM upstream_keys ${where(terms)} ${orderBy}`,
      params: terms.params,
    }
  }
  return {
    sql: `SELECT ${KEY_COLUMNS} FROM upstream_keys
          WHERE id IN (SELECT id FROM ${SEARCH_SOURCE} ${where(terms)}) ${orderBy}`,
    params: terms.params,
  }
}
