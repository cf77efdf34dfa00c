import type { z } from 'zod'

/** The parts of a zod 4 schema definition that tests read (`schema._zod.def`). */
export interface SchemaDef {
  type: string
  format?: string
  coerce?: boolean
  checks?: { _zod: { def: CheckDef } }[]
  shape?: Record<string, z.ZodType>
  catchall?: z.ZodType
  element?: z.ZodType
  innerType?: z.ZodType
  options?: z.ZodType[]
  in?: z.ZodType
  out?: z.ZodType
  entries?: Record<string, string | number>
  values?: unknown[]
  keyType?: z.ZodType
  valueType?: z.ZodType
  items?: z.ZodType[]
  left?: z.ZodType
  right?: z.ZodType
}

export interface CheckDef {
  check: string
  format?: string
  pattern?: RegExp
  minimum?: number
  maximum?: number
  length?: number
  value?: number
  inclusive?: boolean
}

export function defOf(schema: z.ZodType): SchemaDef {
  return (schema as unknown as { _zod: { def: SchemaDef } })._zod.def
}

/** True for a schema that may be absent in an object (optional, or with a default). */
export function isOptional(schema: z.ZodType): boolean {
  return (schema as unknown as { _zod: { optin?: string } })._zod.optin === 'optional'
}

export function checksOf(schema: z.ZodType): CheckDef[] {
  return (defOf(schema).checks ?? []).map((check) => check._zod.def)
}

/** The length cap of a string or array schema, or undefined when it has none. */
export function maxLengthOf(schema: z.ZodType): number | undefined {
  for (const check of checksOf(schema)) {
    if (check.check === 'max_length') return check.maximum
    if (check.check === 'length_equals') return check.length
  }
  return undefined
}

export interface SchemaNode {
  /** Where the node sits, e.g. `proxy.allowedHosts[]`; '' for the schema itself. */
  path: string
  schema: z.ZodType
  def: SchemaDef
}

/**
 * Every node of a schema, wrappers (optional, default, pipe…) included, depth first. Lazy
 * schemas are not followed (the contract has none; a recursive one would not end).
 */
export function schemaNodes(root: z.ZodType): SchemaNode[] {
  const nodes: SchemaNode[] = []
  const visit = (schema: z.ZodType, path: string, depth: number) => {
    if (depth > 30) throw new Error(`schema deeper than 30 levels at ${path}`)
    const def = defOf(schema)
    nodes.push({ path, schema, def })
    const child = (next: z.ZodType | undefined, childPath = path) =>
      next && visit(next, childPath, depth + 1)
    switch (def.type) {
      case 'object':
        for (const [key, value] of Object.entries(def.shape ?? {})) {
          child(value, path ? `${path}.${key}` : key)
        }
        break
      case 'array':
        child(def.element, `${path}[]`)
        break
      case 'union':
        for (const option of def.options ?? []) child(option)
        break
      case 'pipe':
        child(def.in)
        child(def.out)
        break
      case 'record':
        child(def.keyType, `${path}{key}`)
        child(def.valueType, `${path}{}`)
        break
      case 'tuple':
        for (const [index, item] of (def.items ?? []).entries()) child(item, `${path}[${index}]`)
        break
      case 'intersection':
        child(def.left)
        child(def.right)
        break
      default:
        child(def.innerType)
    }
  }
  visit(root, '', 0)
  return nodes
}
