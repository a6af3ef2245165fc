// The universal test canister: every entry point runs a small stack-machine program (its argument,
// or one stored earlier), so that a test can make the canister call any System API function in
// any context without writing a canister per test. The program format is in README.md beside this
// file and in universal_program.h, which builds programs for C++ tests.
//
// Freestanding C: no libc. Memory comes from a size-class allocator of its own over the Wasm heap;
// everything a message allocates for itself is released when its entry point returns.
#include "ic0.h"

typedef unsigned char u8;
typedef uint32_t u32;
typedef uint64_t u64;

// ------------------------------------------------------------------------------------------------
// Bytes and traps

void* memcpy(void* dst, const void* src, size_t n) {
  u8* d = (u8*)dst;
  const u8* s = (const u8*)src;
  for (size_t i = 0; i < n; ++i) d[i] = s[i];
  return dst;
}

void* memset(void* dst, int c, size_t n) {
  u8* d = (u8*)dst;
  for (size_t i = 0; i < n; ++i) d[i] = (u8)c;
  return dst;
}


// Traps with "universal canister: " and |msg|: every fault of a program ends here.
__attribute__((noreturn)) static void fail(const char* msg) {
  static const char kPrefix[] = "universal canister: ";
  char buf[160];
  size_t n = 0;
  for (size_t i = 0; kPrefix[i] && n < sizeof buf; ++i) buf[n++] = kPrefix[i];
  for (size_t i = 0; msg[i] && n < sizeof buf; ++i) buf[n++] = msg[i];
  ic0_trap(buf, n);
}

static u32 load_u32(const u8* p) {
  return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

static u64 load_u64(const u8* p) { return (u64)load_u32(p) | (u64)load_u32(p + 4) << 32; }

static void store_u32(u8* p, u32 v) {
  for (int i = 0; i < 4; ++i) p[i] = (u8)(v >> (8 * i));
}

static void store_u64(u8* p, u64 v) {
  for (int i = 0; i < 8; ++i) p[i] = (u8)(v >> (8 * i));
}

// ------------------------------------------------------------------------------------------------
// Memory: blocks of 2^k bytes (a 16-byte header, then the payload) with one free list per size,
// carved from the end of the heap, which grows the Wasm memory when it must. Blocks allocated for
// one message are chained on |scratch| and freed when its entry point returns (a trap undoes the
// whole message anyway); persistent ones (stored programs, the stored blob, call environments)
// are freed when replaced or used up.

#define PAGE_SIZE 65536u
#define HEADER 16u
#define SIZE_BITS (8 * sizeof(size_t))

struct block {
  size_t size_class;
  struct block* next;  // in a free list, or in the scratch list while allocated
};

extern u8 __heap_base;
static size_t heap_end;  // the first byte never handed out; 0 before the first allocation
static struct block* free_lists[SIZE_BITS];
static struct block* scratch;

static void* block_alloc(size_t n) {
  u32 k = 5;
  while ((((size_t)1 << k) - HEADER) < n) {
    if (++k >= SIZE_BITS - 1) fail("allocation too large");
  }
  struct block* b = free_lists[k];
  if (b) {
    free_lists[k] = b->next;
  } else {
    if (heap_end == 0) heap_end = ((size_t)&__heap_base + 15) & ~(size_t)15;
    size_t size = (size_t)1 << k;
    if (heap_end > (size_t)-1 - size) fail("out of memory");
    size_t need = heap_end + size;
    size_t have = __builtin_wasm_memory_size(0) * (size_t)PAGE_SIZE;
    if (need > have) {
      size_t pages = (need - have + PAGE_SIZE - 1) / PAGE_SIZE;
      if (__builtin_wasm_memory_grow(0, pages) == (size_t)-1) fail("out of memory");
    }
    b = (struct block*)heap_end;
    heap_end = need;
  }
  b->size_class = k;
  b->next = 0;
  return (u8*)b + HEADER;
}

static void block_free(void* p) {
  if (!p) return;
  struct block* b = (struct block*)((u8*)p - HEADER);
  b->next = free_lists[b->size_class];
  free_lists[b->size_class] = b;
}

// Memory for this message only.
static u8* scratch_alloc(size_t n) {
  u8* p = (u8*)block_alloc(n);
  struct block* b = (struct block*)(p - HEADER);
  b->next = scratch;
  scratch = b;
  return p;
}

// Frees a persistent block when this message ends, so that a program may replace the block it is
// running from.
static void retire(void* p) {
  if (!p) return;
  struct block* b = (struct block*)((u8*)p - HEADER);
  b->next = scratch;
  scratch = b;
}

static void release_scratch(void) {
  while (scratch) {
    struct block* b = scratch;
    scratch = b->next;
    block_free((u8*)b + HEADER);
  }
}

struct blob {
  u8* data;
  size_t len;
};

static struct blob persistent_copy(struct blob b) {
  struct blob out = {(u8*)block_alloc(b.len), b.len};
  memcpy(out.data, b.data, b.len);
  return out;
}

// ------------------------------------------------------------------------------------------------
// The operand stack: integers (64-bit) and blobs (pointer and length).

#define STACK_MAX 1024

struct value {
  u32 is_blob;
  u64 n;
  struct blob b;
};

static struct value stack[STACK_MAX];
static u32 sp;

static void push_int(u64 n) {
  if (sp == STACK_MAX) fail("stack overflow");
  stack[sp].is_blob = 0;
  stack[sp].n = n;
  ++sp;
}

static void push_blob(u8* data, size_t len) {
  if (sp == STACK_MAX) fail("stack overflow");
  stack[sp].is_blob = 1;
  stack[sp].b.data = data;
  stack[sp].b.len = len;
  ++sp;
}

static struct value pop(void) {
  if (sp == 0) fail("stack underflow");
  return stack[--sp];
}

static u64 pop_int(void) {
  struct value v = pop();
  if (v.is_blob) fail("expected an integer, found a blob");
  return v.n;
}

static u32 pop_u32(void) {
  u64 n = pop_int();
  if (n > 0xffffffffu) fail("integer does not fit in i32");
  return (u32)n;
}

// An operand of the address type I (i32 in wasm32, i64 in wasm64).
static size_t pop_size(void) {
  u64 n = pop_int();
  if (n > (size_t)-1) fail("integer does not fit in the address type");
  return (size_t)n;
}

static struct blob pop_blob(void) {
  struct value v = pop();
  if (!v.is_blob) fail("expected a blob, found an integer");
  return v.b;
}

static u8* push_new_blob(size_t len) {
  u8* p = scratch_alloc(len);
  push_blob(p, len);
  return p;
}

// ------------------------------------------------------------------------------------------------
// State kept between messages (in the heap, so an upgrade wipes it).

struct program {
  u8* code;  // persistent block, or null
  size_t len;
};

static struct program heartbeat_program, timer_program, inspect_program, pre_upgrade_program;
static struct blob stored_blob;
static u64 counter;

static void set_program(struct program* slot, struct blob b) {
  retire(slot->code);
  struct blob copy = persistent_copy(b);
  slot->code = copy.data;
  slot->len = copy.len;
}

// What the callbacks of one call run. The struct and its programs are persistent blocks, freed
// once a callback has run to its end (if it traps, they stay for the cleanup callback).
struct call_env {
  struct program on_reply, on_reject, on_cleanup;
};

static struct call_env* pending_call;  // made by call_new, not yet performed

static void free_env(struct call_env* e) {
  retire(e->on_reply.code);
  retire(e->on_reject.code);
  retire(e->on_cleanup.code);
  retire(e);
}

static void drop_pending_call(void) {
  if (pending_call) free_env(pending_call);
  pending_call = 0;
}

// The post-upgrade program lives in stable memory at offset 0 ("UCPU", u32 length, program),
// because the heap does not survive an upgrade.
static const u8 kPostUpgradeMagic[4] = {'U', 'C', 'P', 'U'};

static void stable_ensure(u64 end) {
  u64 have = ic0_stable64_size() * PAGE_SIZE;
  if (end <= have) return;
  u64 pages = (end - have + PAGE_SIZE - 1) / PAGE_SIZE;
  if (ic0_stable64_grow(pages) == (u64)-1) fail("stable memory cannot grow");
}

static u64 addr(const void* p) { return (u64)(uintptr_t)p; }

// ------------------------------------------------------------------------------------------------
// Callbacks (table entries; |env| is a struct call_env*).

static void run(const u8* code, size_t len);

static void begin(void) { sp = 0; }

static void end(void) {
  drop_pending_call();
  release_scratch();
}

static void run_program(struct program p) {
  if (p.code) run(p.code, p.len);
}

static void on_reply(void* env) {
  begin();
  struct call_env* e = (struct call_env*)env;
  run_program(e->on_reply);
  free_env(e);
  end();
}

static void on_reject(void* env) {
  begin();
  struct call_env* e = (struct call_env*)env;
  run_program(e->on_reject);
  free_env(e);
  end();
}

static void on_cleanup(void* env) {
  begin();
  struct call_env* e = (struct call_env*)env;
  run_program(e->on_cleanup);
  free_env(e);
  end();
}

// ------------------------------------------------------------------------------------------------
// The interpreter. Op codes are documented in README.md.

enum {
  // Data, stack and control.
  OP_PUSH_BLOB = 0x01,
  OP_PUSH_I32 = 0x02,
  OP_PUSH_I64 = 0x03,
  OP_DROP = 0x04,
  OP_DUP = 0x05,
  OP_SWAP = 0x06,
  OP_CONCAT = 0x07,
  OP_INT_TO_BLOB32 = 0x08,
  OP_INT_TO_BLOB64 = 0x09,
  OP_BLOB_TO_INT = 0x0A,
  OP_BLOB_SIZE = 0x0B,
  OP_INT_ADD = 0x0C,
  OP_REPEAT = 0x0D,
  OP_REPLY_BLOB = 0x0E,
  OP_STORE_BLOB = 0x0F,
  OP_LOAD_BLOB = 0x10,
  OP_COUNTER_INC = 0x11,
  OP_COUNTER_GET = 0x12,
  OP_MEMORY_GROW = 0x13,
  OP_MEMORY_SIZE = 0x14,
  OP_STABLE_STORE_BLOB = 0x15,
  OP_STABLE_LOAD_BLOB = 0x16,
  OP_SET_HEARTBEAT = 0x17,
  OP_SET_GLOBAL_TIMER = 0x18,
  OP_SET_INSPECT_MESSAGE = 0x19,
  OP_SET_PRE_UPGRADE = 0x1A,
  OP_SET_POST_UPGRADE = 0x1B,
  OP_CALL = 0x1C,
  OP_CALL_CLEANUP = 0x1D,
  OP_BLOB_REPEAT = 0x1E,
  OP_INT_EQ = 0x1F,
  OP_TRAP_IF = 0x20,

  // One op per ic0 function, in the specification's order.
  OP_MSG_ARG_DATA_SIZE = 0x40,
  OP_MSG_ARG_DATA_COPY,
  OP_MSG_CALLER_SIZE,
  OP_MSG_CALLER_COPY,
  OP_MSG_CALLER_INFO_DATA_SIZE,
  OP_MSG_CALLER_INFO_DATA_COPY,
  OP_MSG_CALLER_INFO_SIGNER_SIZE,
  OP_MSG_CALLER_INFO_SIGNER_COPY,
  OP_MSG_REJECT_CODE,
  OP_MSG_REJECT_MSG_SIZE,
  OP_MSG_REJECT_MSG_COPY,
  OP_MSG_DEADLINE,
  OP_MSG_REPLY_DATA_APPEND,
  OP_MSG_REPLY,
  OP_MSG_REJECT,
  OP_MSG_CYCLES_AVAILABLE128,
  OP_MSG_CYCLES_REFUNDED128,  // 0x50
  OP_MSG_CYCLES_ACCEPT128,
  OP_CYCLES_BURN128,
  OP_CANISTER_SELF_SIZE,
  OP_CANISTER_SELF_COPY,
  OP_CANISTER_CYCLE_BALANCE128,
  OP_CANISTER_LIQUID_CYCLE_BALANCE128,
  OP_CANISTER_STATUS,
  OP_CANISTER_VERSION,
  OP_SUBNET_SELF_SIZE,
  OP_SUBNET_SELF_COPY,
  OP_SUBNET_SELF_NODE_COUNT,
  OP_MSG_METHOD_NAME_SIZE,
  OP_MSG_METHOD_NAME_COPY,
  OP_ACCEPT_MESSAGE,
  OP_CALL_NEW,
  OP_CALL_ON_CLEANUP,  // 0x60
  OP_CALL_DATA_APPEND,
  OP_CALL_WITH_BEST_EFFORT_RESPONSE,
  OP_CALL_CYCLES_ADD128,
  OP_CALL_PERFORM,
  OP_STABLE64_SIZE,
  OP_STABLE64_GROW,
  OP_STABLE64_WRITE,
  OP_STABLE64_READ,
  OP_ROOT_KEY_SIZE,
  OP_ROOT_KEY_COPY,
  OP_CERTIFIED_DATA_SET,
  OP_DATA_CERTIFICATE_PRESENT,
  OP_DATA_CERTIFICATE_SIZE,
  OP_DATA_CERTIFICATE_COPY,
  OP_TIME,
  OP_GLOBAL_TIMER_SET,  // 0x70
  OP_PERFORMANCE_COUNTER,
  OP_IS_CONTROLLER,
  OP_IN_REPLICATED_EXECUTION,
  OP_COST_CALL,
  OP_COST_CREATE_CANISTER,
  OP_COST_HTTP_REQUEST,
  OP_COST_HTTP_REQUEST_V2,
  OP_COST_SIGN_WITH_ECDSA,
  OP_COST_SIGN_WITH_SCHNORR,
  OP_COST_VETKD_DERIVE_KEY,
  OP_ENV_VAR_COUNT,
  OP_ENV_VAR_NAME_SIZE,
  OP_ENV_VAR_NAME_COPY,
  OP_ENV_VAR_NAME_EXISTS,
  OP_ENV_VAR_VALUE_SIZE,
  OP_ENV_VAR_VALUE_COPY,  // 0x80
  OP_DEBUG_PRINT,
  OP_TRAP,
  OP_MINT_CYCLES128,
  OP_MSG_CYCLES_AVAILABLE,
  OP_MSG_CYCLES_REFUNDED,
  OP_MSG_CYCLES_ACCEPT,
  OP_CANISTER_CYCLE_BALANCE,
  OP_CALL_CYCLES_ADD,
  OP_STABLE_SIZE,
  OP_STABLE_GROW,
  OP_STABLE_WRITE,
  OP_STABLE_READ,  // 0x8C

  // Whole blobs: the *_size call, then the *_copy of everything.
  OP_MSG_ARG_DATA = 0xA0,
  OP_MSG_CALLER,
  OP_MSG_CALLER_INFO_DATA,
  OP_MSG_CALLER_INFO_SIGNER,
  OP_MSG_REJECT_MSG,
  OP_CANISTER_SELF,
  OP_SUBNET_SELF,
  OP_MSG_METHOD_NAME,
  OP_ROOT_KEY,
  OP_DATA_CERTIFICATE,
  OP_ENV_VAR_NAME,
  OP_ENV_VAR_VALUE,  // 0xAB
};

// A (offset, size) copy: pops size, then offset; pushes the bytes copied.
#define PARTIAL_COPY(copy_fn)                    \
  do {                                           \
    size_t size_ = pop_size();                   \
    size_t offset_ = pop_size();                 \
    copy_fn(push_new_blob(size_), offset_, size_); \
  } while (0)

#define WHOLE_COPY(size_fn, copy_fn)        \
  do {                                      \
    size_t size_ = size_fn();               \
    copy_fn(push_new_blob(size_), 0, size_); \
  } while (0)

// A function writing a 128-bit amount at dst: pushes those 16 bytes.
#define PUSH_OUT128(call_with_dst) \
  do {                             \
    u8* dst = push_new_blob(16);   \
    call_with_dst;                 \
  } while (0)

#if defined(__wasm64__)
#define WASM32_ONLY(stmt) fail("this function exists only in wasm32")
#else
#define WASM32_ONLY(stmt) stmt
#endif

static void run(const u8* code, size_t len) {
  size_t pc = 0;
#define NEED(n)                                          \
  do {                                                   \
    if (len - pc < (n)) fail("program ends inside an op"); \
  } while (0)
  while (pc < len) {
    u8 op = code[pc++];
    switch (op) {
      case OP_PUSH_BLOB: {
        NEED(4);
        u32 n = load_u32(code + pc);
        pc += 4;
        NEED(n);
        push_blob((u8*)code + pc, n);
        pc += n;
        break;
      }
      case OP_PUSH_I32:
        NEED(4);
        push_int(load_u32(code + pc));
        pc += 4;
        break;
      case OP_PUSH_I64:
        NEED(8);
        push_int(load_u64(code + pc));
        pc += 8;
        break;
      case OP_DROP:
        pop();
        break;
      case OP_DUP: {
        struct value v = pop();
        if (sp + 2 > STACK_MAX) fail("stack overflow");
        stack[sp++] = v;
        stack[sp++] = v;
        break;
      }
      case OP_SWAP: {
        struct value b = pop();
        struct value a = pop();
        stack[sp++] = b;
        stack[sp++] = a;
        break;
      }
      case OP_CONCAT: {
        struct blob b = pop_blob();
        struct blob a = pop_blob();
        if (a.len > (size_t)-1 - b.len) fail("blob too large");
        u8* out = push_new_blob(a.len + b.len);
        memcpy(out, a.data, a.len);
        memcpy(out + a.len, b.data, b.len);
        break;
      }
      case OP_INT_TO_BLOB32: {
        u32 n = pop_u32();
        store_u32(push_new_blob(4), n);
        break;
      }
      case OP_INT_TO_BLOB64: {
        u64 n = pop_int();
        store_u64(push_new_blob(8), n);
        break;
      }
      case OP_BLOB_TO_INT: {
        struct blob b = pop_blob();
        if (b.len == 4) {
          push_int(load_u32(b.data));
        } else if (b.len == 8) {
          push_int(load_u64(b.data));
        } else {
          fail("blob_to_int needs 4 or 8 bytes");
        }
        break;
      }
      case OP_BLOB_SIZE:
        push_int(pop_blob().len);
        break;
      case OP_INT_ADD: {
        u64 b = pop_int();
        u64 a = pop_int();
        push_int(a + b);
        break;
      }
      case OP_INT_EQ: {
        struct value b = pop();
        struct value a = pop();
        u64 eq;
        if (a.is_blob != b.is_blob) {
          eq = 0;
        } else if (a.is_blob) {
          eq = a.b.len == b.b.len;
          for (size_t i = 0; eq && i < a.b.len; ++i) eq = a.b.data[i] == b.b.data[i];
        } else {
          eq = a.n == b.n;
        }
        push_int(eq);
        break;
      }
      case OP_TRAP_IF: {
        struct blob msg = pop_blob();
        if (pop_int() != 0) ic0_trap(msg.data, msg.len);
        break;
      }
      case OP_REPEAT: {
        u64 n = pop_int();
        struct blob body = pop_blob();
        for (u64 i = 0; i < n; ++i) run(body.data, body.len);
        break;
      }
      case OP_BLOB_REPEAT: {
        u32 byte = pop_u32();
        size_t n = pop_size();
        memset(push_new_blob(n), (int)byte, n);
        break;
      }
      case OP_REPLY_BLOB: {
        struct blob b = pop_blob();
        ic0_msg_reply_data_append(b.data, b.len);
        ic0_msg_reply();
        break;
      }
      case OP_STORE_BLOB: {
        struct blob b = pop_blob();
        retire(stored_blob.data);
        stored_blob = persistent_copy(b);
        break;
      }
      case OP_LOAD_BLOB:
        memcpy(push_new_blob(stored_blob.len), stored_blob.data, stored_blob.len);
        break;
      case OP_COUNTER_INC:
        ++counter;
        break;
      case OP_COUNTER_GET:
        push_int(counter);
        break;
      case OP_MEMORY_GROW:
        push_int(__builtin_wasm_memory_grow(0, pop_size()));
        break;
      case OP_MEMORY_SIZE:
        push_int(__builtin_wasm_memory_size(0));
        break;
      case OP_STABLE_STORE_BLOB: {
        struct blob b = pop_blob();
        u64 offset = pop_int();
        if (offset > (u64)-1 - 4 - b.len) fail("stable offset too large");
        if (b.len > 0xffffffffu) fail("blob too large for stable_store_blob");
        stable_ensure(offset + 4 + b.len);
        u8 len[4];
        store_u32(len, (u32)b.len);
        ic0_stable64_write(offset, addr(len), 4);
        ic0_stable64_write(offset + 4, addr(b.data), b.len);
        break;
      }
      case OP_STABLE_LOAD_BLOB: {
        u64 offset = pop_int();
        u8 len[4];
        ic0_stable64_read(addr(len), offset, 4);
        u32 n = load_u32(len);
        ic0_stable64_read(addr(push_new_blob(n)), offset + 4, n);
        break;
      }
      case OP_SET_HEARTBEAT:
        set_program(&heartbeat_program, pop_blob());
        break;
      case OP_SET_GLOBAL_TIMER:
        set_program(&timer_program, pop_blob());
        break;
      case OP_SET_INSPECT_MESSAGE:
        set_program(&inspect_program, pop_blob());
        break;
      case OP_SET_PRE_UPGRADE:
        set_program(&pre_upgrade_program, pop_blob());
        break;
      case OP_SET_POST_UPGRADE: {
        struct blob b = pop_blob();
        if (b.len > 0xffffffffu) fail("post-upgrade program too large");
        stable_ensure(8 + (u64)b.len);
        u8 head[8];
        memcpy(head, kPostUpgradeMagic, 4);
        store_u32(head + 4, (u32)b.len);
        ic0_stable64_write(0, addr(head), 8);
        ic0_stable64_write(8, addr(b.data), b.len);
        break;
      }
      case OP_CALL: {
        struct blob reject = pop_blob();
        struct blob reply = pop_blob();
        struct blob method = pop_blob();
        struct blob callee = pop_blob();
        drop_pending_call();
        struct call_env* e = (struct call_env*)block_alloc(sizeof(struct call_env));
        struct blob r = persistent_copy(reply), j = persistent_copy(reject);
        e->on_reply.code = r.data;
        e->on_reply.len = r.len;
        e->on_reject.code = j.data;
        e->on_reject.len = j.len;
        e->on_cleanup.code = 0;
        e->on_cleanup.len = 0;
        pending_call = e;
        ic0_call_new(callee.data, callee.len, method.data, method.len, on_reply, e, on_reject, e);
        break;
      }
      case OP_CALL_CLEANUP: {
        struct blob prog = pop_blob();
        if (!pending_call) fail("call_cleanup needs a call made by call");
        struct call_env* e = pending_call;
        set_program(&e->on_cleanup, prog);
        ic0_call_on_cleanup(on_cleanup, e);
        break;
      }

      // ic0, in the specification's order.
      case OP_MSG_ARG_DATA_SIZE:
        push_int(ic0_msg_arg_data_size());
        break;
      case OP_MSG_ARG_DATA_COPY:
        PARTIAL_COPY(ic0_msg_arg_data_copy);
        break;
      case OP_MSG_CALLER_SIZE:
        push_int(ic0_msg_caller_size());
        break;
      case OP_MSG_CALLER_COPY:
        PARTIAL_COPY(ic0_msg_caller_copy);
        break;
      case OP_MSG_CALLER_INFO_DATA_SIZE:
        push_int(ic0_msg_caller_info_data_size());
        break;
      case OP_MSG_CALLER_INFO_DATA_COPY:
        PARTIAL_COPY(ic0_msg_caller_info_data_copy);
        break;
      case OP_MSG_CALLER_INFO_SIGNER_SIZE:
        push_int(ic0_msg_caller_info_signer_size());
        break;
      case OP_MSG_CALLER_INFO_SIGNER_COPY:
        PARTIAL_COPY(ic0_msg_caller_info_signer_copy);
        break;
      case OP_MSG_REJECT_CODE:
        push_int(ic0_msg_reject_code());
        break;
      case OP_MSG_REJECT_MSG_SIZE:
        push_int(ic0_msg_reject_msg_size());
        break;
      case OP_MSG_REJECT_MSG_COPY:
        PARTIAL_COPY(ic0_msg_reject_msg_copy);
        break;
      case OP_MSG_DEADLINE:
        push_int(ic0_msg_deadline());
        break;
      case OP_MSG_REPLY_DATA_APPEND: {
        struct blob b = pop_blob();
        ic0_msg_reply_data_append(b.data, b.len);
        break;
      }
      case OP_MSG_REPLY:
        ic0_msg_reply();
        break;
      case OP_MSG_REJECT: {
        struct blob b = pop_blob();
        ic0_msg_reject(b.data, b.len);
        break;
      }
      case OP_MSG_CYCLES_AVAILABLE128:
        PUSH_OUT128(ic0_msg_cycles_available128(dst));
        break;
      case OP_MSG_CYCLES_REFUNDED128:
        PUSH_OUT128(ic0_msg_cycles_refunded128(dst));
        break;
      case OP_MSG_CYCLES_ACCEPT128: {
        u64 lo = pop_int();
        u64 hi = pop_int();
        PUSH_OUT128(ic0_msg_cycles_accept128(hi, lo, dst));
        break;
      }
      case OP_CYCLES_BURN128: {
        u64 lo = pop_int();
        u64 hi = pop_int();
        PUSH_OUT128(ic0_cycles_burn128(hi, lo, dst));
        break;
      }
      case OP_CANISTER_SELF_SIZE:
        push_int(ic0_canister_self_size());
        break;
      case OP_CANISTER_SELF_COPY:
        PARTIAL_COPY(ic0_canister_self_copy);
        break;
      case OP_CANISTER_CYCLE_BALANCE128:
        PUSH_OUT128(ic0_canister_cycle_balance128(dst));
        break;
      case OP_CANISTER_LIQUID_CYCLE_BALANCE128:
        PUSH_OUT128(ic0_canister_liquid_cycle_balance128(dst));
        break;
      case OP_CANISTER_STATUS:
        push_int(ic0_canister_status());
        break;
      case OP_CANISTER_VERSION:
        push_int(ic0_canister_version());
        break;
      case OP_SUBNET_SELF_SIZE:
        push_int(ic0_subnet_self_size());
        break;
      case OP_SUBNET_SELF_COPY:
        PARTIAL_COPY(ic0_subnet_self_copy);
        break;
      case OP_SUBNET_SELF_NODE_COUNT:
        push_int(ic0_subnet_self_node_count());
        break;
      case OP_MSG_METHOD_NAME_SIZE:
        push_int(ic0_msg_method_name_size());
        break;
      case OP_MSG_METHOD_NAME_COPY:
        PARTIAL_COPY(ic0_msg_method_name_copy);
        break;
      case OP_ACCEPT_MESSAGE:
        ic0_accept_message();
        break;
      case OP_CALL_NEW: {
        // Raw indices and environments, for tests of bad callbacks.
        size_t reject_env = pop_size();
        size_t reject_fun = pop_size();
        size_t reply_env = pop_size();
        size_t reply_fun = pop_size();
        struct blob method = pop_blob();
        struct blob callee = pop_blob();
        drop_pending_call();
        ic0_call_new(callee.data, callee.len, method.data, method.len,
                     (ic0_callback)reply_fun, (void*)reply_env, (ic0_callback)reject_fun,
                     (void*)reject_env);
        break;
      }
      case OP_CALL_ON_CLEANUP: {
        size_t env = pop_size();
        size_t fun = pop_size();
        ic0_call_on_cleanup((ic0_callback)fun, (void*)env);
        break;
      }
      case OP_CALL_DATA_APPEND: {
        struct blob b = pop_blob();
        ic0_call_data_append(b.data, b.len);
        break;
      }
      case OP_CALL_WITH_BEST_EFFORT_RESPONSE:
        ic0_call_with_best_effort_response(pop_u32());
        break;
      case OP_CALL_CYCLES_ADD128: {
        u64 lo = pop_int();
        u64 hi = pop_int();
        ic0_call_cycles_add128(hi, lo);
        break;
      }
      case OP_CALL_PERFORM: {
        u32 err = ic0_call_perform();
        // A call that was not sent never runs its callbacks: its environment is garbage now.
        if (err != 0) drop_pending_call();
        pending_call = 0;
        push_int(err);
        break;
      }
      case OP_STABLE64_SIZE:
        push_int(ic0_stable64_size());
        break;
      case OP_STABLE64_GROW:
        push_int(ic0_stable64_grow(pop_int()));
        break;
      case OP_STABLE64_WRITE: {
        struct blob b = pop_blob();
        u64 offset = pop_int();
        ic0_stable64_write(offset, addr(b.data), b.len);
        break;
      }
      case OP_STABLE64_READ: {
        u64 size = pop_int();
        u64 offset = pop_int();
        if (size > (size_t)-1) fail("size does not fit in the address type");
        ic0_stable64_read(addr(push_new_blob((size_t)size)), offset, size);
        break;
      }
      case OP_ROOT_KEY_SIZE:
        push_int(ic0_root_key_size());
        break;
      case OP_ROOT_KEY_COPY:
        PARTIAL_COPY(ic0_root_key_copy);
        break;
      case OP_CERTIFIED_DATA_SET: {
        struct blob b = pop_blob();
        ic0_certified_data_set(b.data, b.len);
        break;
      }
      case OP_DATA_CERTIFICATE_PRESENT:
        push_int(ic0_data_certificate_present());
        break;
      case OP_DATA_CERTIFICATE_SIZE:
        push_int(ic0_data_certificate_size());
        break;
      case OP_DATA_CERTIFICATE_COPY:
        PARTIAL_COPY(ic0_data_certificate_copy);
        break;
      case OP_TIME:
        push_int(ic0_time());
        break;
      case OP_GLOBAL_TIMER_SET:
        push_int(ic0_global_timer_set(pop_int()));
        break;
      case OP_PERFORMANCE_COUNTER:
        push_int(ic0_performance_counter(pop_u32()));
        break;
      case OP_IS_CONTROLLER: {
        struct blob b = pop_blob();
        push_int(ic0_is_controller(b.data, b.len));
        break;
      }
      case OP_IN_REPLICATED_EXECUTION:
        push_int(ic0_in_replicated_execution());
        break;
      case OP_COST_CALL: {
        u64 payload_size = pop_int();
        u64 method_name_size = pop_int();
        PUSH_OUT128(ic0_cost_call(method_name_size, payload_size, dst));
        break;
      }
      case OP_COST_CREATE_CANISTER:
        PUSH_OUT128(ic0_cost_create_canister(dst));
        break;
      case OP_COST_HTTP_REQUEST: {
        u64 max_res_bytes = pop_int();
        u64 request_size = pop_int();
        PUSH_OUT128(ic0_cost_http_request(request_size, max_res_bytes, dst));
        break;
      }
      case OP_COST_HTTP_REQUEST_V2: {
        struct blob params = pop_blob();
        PUSH_OUT128(ic0_cost_http_request_v2(params.data, params.len, dst));
        break;
      }
      case OP_COST_SIGN_WITH_ECDSA:
      case OP_COST_SIGN_WITH_SCHNORR:
      case OP_COST_VETKD_DERIVE_KEY: {
        u32 kind = pop_u32();
        struct blob key = pop_blob();
        u8* dst = push_new_blob(16);
        u32 code_ = op == OP_COST_SIGN_WITH_ECDSA    ? ic0_cost_sign_with_ecdsa(key.data, key.len, kind, dst)
                    : op == OP_COST_SIGN_WITH_SCHNORR ? ic0_cost_sign_with_schnorr(key.data, key.len, kind, dst)
                                                      : ic0_cost_vetkd_derive_key(key.data, key.len, kind, dst);
        push_int(code_);
        break;
      }
      case OP_ENV_VAR_COUNT:
        push_int(ic0_env_var_count());
        break;
      case OP_ENV_VAR_NAME_SIZE:
        push_int(ic0_env_var_name_size(pop_size()));
        break;
      case OP_ENV_VAR_NAME_COPY: {
        size_t size = pop_size();
        size_t offset = pop_size();
        size_t index = pop_size();
        ic0_env_var_name_copy(index, push_new_blob(size), offset, size);
        break;
      }
      case OP_ENV_VAR_NAME_EXISTS: {
        struct blob name = pop_blob();
        push_int(ic0_env_var_name_exists(name.data, name.len));
        break;
      }
      case OP_ENV_VAR_VALUE_SIZE: {
        struct blob name = pop_blob();
        push_int(ic0_env_var_value_size(name.data, name.len));
        break;
      }
      case OP_ENV_VAR_VALUE_COPY: {
        size_t size = pop_size();
        size_t offset = pop_size();
        struct blob name = pop_blob();
        ic0_env_var_value_copy(name.data, name.len, push_new_blob(size), offset, size);
        break;
      }
      case OP_DEBUG_PRINT: {
        struct blob b = pop_blob();
        ic0_debug_print(b.data, b.len);
        break;
      }
      case OP_TRAP: {
        struct blob b = pop_blob();
        ic0_trap(b.data, b.len);
      }
      case OP_MINT_CYCLES128: {
        u64 lo = pop_int();
        u64 hi = pop_int();
        PUSH_OUT128(ic0_mint_cycles128(hi, lo, dst));
        break;
      }
      case OP_MSG_CYCLES_AVAILABLE:
        WASM32_ONLY(push_int(ic0_msg_cycles_available()));
        break;
      case OP_MSG_CYCLES_REFUNDED:
        WASM32_ONLY(push_int(ic0_msg_cycles_refunded()));
        break;
      case OP_MSG_CYCLES_ACCEPT:
        WASM32_ONLY(push_int(ic0_msg_cycles_accept(pop_int())));
        break;
      case OP_CANISTER_CYCLE_BALANCE:
        WASM32_ONLY(push_int(ic0_canister_cycle_balance()));
        break;
      case OP_CALL_CYCLES_ADD:
        WASM32_ONLY(ic0_call_cycles_add(pop_int()));
        break;
      case OP_STABLE_SIZE:
        WASM32_ONLY(push_int(ic0_stable_size()));
        break;
      case OP_STABLE_GROW:
        WASM32_ONLY(push_int(ic0_stable_grow(pop_u32())));
        break;
      case OP_STABLE_WRITE:
        WASM32_ONLY({
          struct blob b = pop_blob();
          u32 offset = pop_u32();
          ic0_stable_write(offset, b.data, (u32)b.len);
        });
        break;
      case OP_STABLE_READ:
        WASM32_ONLY({
          u32 size = pop_u32();
          u32 offset = pop_u32();
          ic0_stable_read(push_new_blob(size), offset, size);
        });
        break;

      case OP_MSG_ARG_DATA:
        WHOLE_COPY(ic0_msg_arg_data_size, ic0_msg_arg_data_copy);
        break;
      case OP_MSG_CALLER:
        WHOLE_COPY(ic0_msg_caller_size, ic0_msg_caller_copy);
        break;
      case OP_MSG_CALLER_INFO_DATA:
        WHOLE_COPY(ic0_msg_caller_info_data_size, ic0_msg_caller_info_data_copy);
        break;
      case OP_MSG_CALLER_INFO_SIGNER:
        WHOLE_COPY(ic0_msg_caller_info_signer_size, ic0_msg_caller_info_signer_copy);
        break;
      case OP_MSG_REJECT_MSG:
        WHOLE_COPY(ic0_msg_reject_msg_size, ic0_msg_reject_msg_copy);
        break;
      case OP_CANISTER_SELF:
        WHOLE_COPY(ic0_canister_self_size, ic0_canister_self_copy);
        break;
      case OP_SUBNET_SELF:
        WHOLE_COPY(ic0_subnet_self_size, ic0_subnet_self_copy);
        break;
      case OP_MSG_METHOD_NAME:
        WHOLE_COPY(ic0_msg_method_name_size, ic0_msg_method_name_copy);
        break;
      case OP_ROOT_KEY:
        WHOLE_COPY(ic0_root_key_size, ic0_root_key_copy);
        break;
      case OP_DATA_CERTIFICATE:
        WHOLE_COPY(ic0_data_certificate_size, ic0_data_certificate_copy);
        break;
      case OP_ENV_VAR_NAME: {
        size_t index = pop_size();
        size_t size = ic0_env_var_name_size(index);
        ic0_env_var_name_copy(index, push_new_blob(size), 0, size);
        break;
      }
      case OP_ENV_VAR_VALUE: {
        struct blob name = pop_blob();
        size_t size = ic0_env_var_value_size(name.data, name.len);
        ic0_env_var_value_copy(name.data, name.len, push_new_blob(size), 0, size);
        break;
      }
      default:
        fail("unknown op");
    }
  }
#undef NEED
}

// ------------------------------------------------------------------------------------------------
// Entry points.

static void run_argument(void) {
  size_t n = ic0_msg_arg_data_size();
  if (n == 0) return;
  u8* arg = scratch_alloc(n);
  ic0_msg_arg_data_copy(arg, 0, n);
  run(arg, n);
}

#define ENTRY(name) __attribute__((export_name(name))) void

ENTRY("canister_init") canister_init(void) {
  begin();
  run_argument();
  end();
}

ENTRY("canister_update update") update(void) {
  begin();
  run_argument();
  end();
}

ENTRY("canister_query query") query(void) {
  begin();
  run_argument();
  end();
}

ENTRY("canister_composite_query composite_query") composite_query(void) {
  begin();
  run_argument();
  end();
}

ENTRY("canister_heartbeat") canister_heartbeat(void) {
  begin();
  run_program(heartbeat_program);
  end();
}

ENTRY("canister_global_timer") canister_global_timer(void) {
  begin();
  run_program(timer_program);
  end();
}

// Without a program every message is accepted, so that ingress reaches update methods.
ENTRY("canister_inspect_message") canister_inspect_message(void) {
  begin();
  if (inspect_program.code) {
    run_program(inspect_program);
  } else {
    ic0_accept_message();
  }
  end();
}

ENTRY("canister_pre_upgrade") canister_pre_upgrade(void) {
  begin();
  run_program(pre_upgrade_program);
  end();
}

// Runs the program stored with set_post_upgrade (if stable memory holds one), then the argument.
ENTRY("canister_post_upgrade") canister_post_upgrade(void) {
  begin();
  if (ic0_stable64_size() > 0) {
    u8 head[8];
    ic0_stable64_read(addr(head), 0, 8);
    if (head[0] == kPostUpgradeMagic[0] && head[1] == kPostUpgradeMagic[1] &&
        head[2] == kPostUpgradeMagic[2] && head[3] == kPostUpgradeMagic[3]) {
      u32 n = load_u32(head + 4);
      u8* code = scratch_alloc(n);
      ic0_stable64_read(addr(code), 8, n);
      run(code, n);
    }
  }
  run_argument();
  end();
}
