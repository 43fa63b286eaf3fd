import { describe, expect, it } from "vitest";
import { CoreAllocator, parseCpuList } from "../../../local/workers/cpu-pinning.js";

describe("parseCpuList", () => {
  it("reads the kernel's ranges and single cores", () => {
    expect(parseCpuList("0-3,6,8-9\n")).toEqual([0, 1, 2, 3, 6, 8, 9]);
    expect(parseCpuList("5")).toEqual([5]);
  });

  it("refuses anything that is not a CPU list", () => {
    expect(() => parseCpuList("0-a")).toThrow(/Not a CPU list/);
  });
});

describe("CoreAllocator", () => {
  it("hands out the least-used core and takes it back", () => {
    const cores = new CoreAllocator([2, 3]);
    expect([cores.take(), cores.take(), cores.take()]).toEqual([2, 3, 2]);
    cores.release(3);
    expect(cores.take()).toBe(3);
    cores.release(2);
    cores.release(2);
    expect(cores.take()).toBe(2);
  });

  it("needs at least one core", () => {
    expect(() => new CoreAllocator([])).toThrow(/at least one core/);
  });
});
