// A counter in TypeScript with Azle (the npm package azle): an update and a query.
import { IDL, query, update } from 'azle';

export default class {
    count: bigint = 0n;

    @update([], IDL.Nat64)
    inc(): bigint {
        this.count += 1n;
        return this.count;
    }

    @query([], IDL.Nat64)
    get(): bigint {
        return this.count;
    }
}
