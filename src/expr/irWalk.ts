// Walking the IR: every expression inside an expression or a statement, for
// passes that ask what a probe reads or writes (which statement-probe
// locals need accessors, which vars are never written).
import type { IrExpr, IrStmt } from './ir.js';

/** E and every expression inside it, outermost first. */
export function forEachExpr(e: IrExpr, visit: (e: IrExpr) => void): void {
  visit(e);
  switch (e.k) {
    case 'unary':
      forEachExpr(e.arg, visit);
      break;
    case 'binary':
    case 'logical':
    case 'strcmp':
      forEachExpr(e.left, visit);
      forEachExpr(e.right, visit);
      break;
    case 'cond':
      forEachExpr(e.test, visit);
      forEachExpr(e.then, visit);
      forEachExpr(e.else, visit);
      break;
    case 'readString':
      forEachExpr(e.addr, visit);
      forEachExpr(e.max, visit);
      break;
    case 'load':
      forEachExpr(e.addr, visit);
      break;
    case 'tryString':
      forEachExpr(e.addr, visit);
      forEachExpr(e.max, visit);
      break;
    case 'text':
      for (const p of e.parts) forEachExpr(p, visit);
      break;
    case 'cmdline':
      if (e.arg) forEachExpr(e.arg, visit);
      break;
    default:
      break;
  }
}

/** The expressions statement S evaluates (not the place it assigns to). */
export function stmtExprs(s: IrStmt): IrExpr[] {
  switch (s.k) {
    case 'setTarget':
    case 'setVar':
      return [s.value];
    case 'store':
      return [s.addr, s.value];
    case 'log':
      return s.args;
    case 'kernelCall':
      return s.args.map((a) => a.value);
    case 'block':
      return s.stmts.flatMap(stmtExprs);
    case 'aggregate':
      return [...s.keys, s.value];
    default:
      return [];
  }
}

/** Every expression of an if: condition and do: statements, outermost first. */
export function forEachExprOf(cond: IrExpr | undefined, actions: readonly IrStmt[], visit: (e: IrExpr) => void): void {
  if (cond) forEachExpr(cond, visit);
  for (const s of actions) for (const e of stmtExprs(s)) forEachExpr(e, visit);
}
