// A CoreMark-style mix, written for this benchmark in CoreMark's spirit (not its code): linked-list
// traversal, reversal and merge sort; small integer matrix arithmetic; a character-class state
// machine over a text buffer; all results folded into a CRC-16.
#include "kernel.h"

KERNEL_SIZES(2000, 400)

static uint16_t crc16(uint16_t crc, uint32_t data, int bytes) {
  for (int i = 0; i < bytes; ++i) {
    crc ^= (uint8_t)(data >> (8 * i));
    for (int bit = 0; bit < 8; ++bit) crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0xa001) : crc >> 1;
  }
  return crc;
}

// ---- Linked list: nodes in a static pool, linked by pointer.

#define LIST_SIZE 128

typedef struct Node {
  struct Node* next;
  int16_t value;
  uint16_t index;
} Node;

static Node pool[LIST_SIZE];

static Node* list_build(uint32_t seed) {
  Node* head = 0;
  for (int i = LIST_SIZE - 1; i >= 0; --i) {
    pool[i].value = (int16_t)(xorshift32(&seed) & 0x7fff);
    pool[i].index = (uint16_t)i;
    pool[i].next = head;
    head = &pool[i];
  }
  return head;
}

static Node* list_reverse(Node* head) {
  Node* done = 0;
  while (head) {
    Node* next = head->next;
    head->next = done;
    done = head;
    head = next;
  }
  return done;
}

static Node* list_find(Node* head, int16_t value) {
  while (head && head->value != value) head = head->next;
  return head;
}

// Bottom-up merge sort of the list by value (ties by index).
static Node* list_sort(Node* head) {
  for (int width = 1;; width *= 2) {
    Node* p = head;
    Node* tail = 0;
    head = 0;
    int merges = 0;
    while (p) {
      ++merges;
      Node* q = p;
      int psize = 0;
      for (int i = 0; i < width && q; ++i) {
        ++psize;
        q = q->next;
      }
      int qsize = width;
      while (psize > 0 || (qsize > 0 && q)) {
        Node* e;
        if (psize == 0) {
          e = q, q = q->next, --qsize;
        } else if (qsize == 0 || !q) {
          e = p, p = p->next, --psize;
        } else if (p->value < q->value || (p->value == q->value && p->index <= q->index)) {
          e = p, p = p->next, --psize;
        } else {
          e = q, q = q->next, --qsize;
        }
        if (tail) {
          tail->next = e;
        } else {
          head = e;
        }
        tail = e;
      }
      p = q;
    }
    tail->next = 0;
    if (merges <= 1) return head;
  }
}

static uint16_t list_work(uint16_t crc, uint32_t seed) {
  Node* head = list_build(seed);
  for (int i = 0; i < 8; ++i) {
    Node* hit = list_find(head, (int16_t)(pool[(seed + 17 * i) % LIST_SIZE].value));
    crc = crc16(crc, hit ? hit->index : 0xffff, 2);
    head = list_reverse(head);
  }
  head = list_sort(head);
  for (Node* p = head; p; p = p->next) crc = crc16(crc, (uint16_t)p->value, 2);
  return crc;
}

// ---- Matrices: 16-bit inputs, 32-bit products.

#define MAT 20

static int16_t ma[MAT][MAT], mb[MAT][MAT];
static int32_t mc[MAT][MAT];

static uint16_t matrix_work(uint16_t crc, uint32_t seed) {
  for (int i = 0; i < MAT; ++i) {
    for (int j = 0; j < MAT; ++j) {
      ma[i][j] = (int16_t)(xorshift32(&seed) & 0x0fff);
      mb[i][j] = (int16_t)((xorshift32(&seed) & 0x0fff) - 0x0800);
    }
  }
  int16_t k = (int16_t)(seed & 0xff);
  for (int i = 0; i < MAT; ++i) {
    for (int j = 0; j < MAT; ++j) ma[i][j] = (int16_t)(ma[i][j] + k);
  }
  for (int i = 0; i < MAT; ++i) {
    for (int j = 0; j < MAT; ++j) {
      int32_t s = 0;
      for (int x = 0; x < MAT; ++x) s += (int32_t)ma[i][x] * mb[x][j];
      mc[i][j] = s;
    }
  }
  int32_t acc = 0;
  for (int i = 0; i < MAT; ++i) {
    for (int j = 0; j < MAT; ++j) {
      // Bit fields of the product, as CoreMark's matrix part extracts them.
      int32_t v = (mc[i][j] >> 2) & 0x0f;
      acc += v > 7 ? v * (i + 1) : -v;
    }
  }
  return crc16(crc, (uint32_t)acc, 4);
}

// ---- State machine: classifies comma-separated tokens as integer, decimal, exponent or invalid.

#define TEXT 512

static char text[TEXT];

enum { kStart, kInt, kSign, kDecimal, kFraction, kExp, kExpSign, kExpDigits, kInvalid, kStates };

static uint16_t state_work(uint16_t crc, uint32_t seed) {
  static const char kAlphabet[] = "0123456789+-.eE,x0123456789,";
  for (int i = 0; i < TEXT; ++i) text[i] = kAlphabet[xorshift32(&seed) % (sizeof(kAlphabet) - 1)];
  uint32_t finals[kStates] = {0};
  uint32_t transitions = 0;
  int state = kStart;
  for (int i = 0; i < TEXT; ++i) {
    char ch = text[i];
    int next = state;
    if (ch == ',') {
      ++finals[state];
      next = kStart;
    } else {
      int digit = ch >= '0' && ch <= '9';
      switch (state) {
        case kStart:
          next = digit ? kInt : (ch == '+' || ch == '-') ? kSign : ch == '.' ? kDecimal : kInvalid;
          break;
        case kSign: next = digit ? kInt : ch == '.' ? kDecimal : kInvalid; break;
        case kInt:
          next = digit ? kInt : ch == '.' ? kDecimal : (ch == 'e' || ch == 'E') ? kExp : kInvalid;
          break;
        case kDecimal: next = digit ? kFraction : kInvalid; break;
        case kFraction: next = digit ? kFraction : (ch == 'e' || ch == 'E') ? kExp : kInvalid; break;
        case kExp: next = digit ? kExpDigits : (ch == '+' || ch == '-') ? kExpSign : kInvalid; break;
        case kExpSign:
        case kExpDigits: next = digit ? kExpDigits : kInvalid; break;
        default: next = kInvalid; break;
      }
    }
    transitions += next != state;
    state = next;
  }
  for (int s = 0; s < kStates; ++s) crc = crc16(crc, finals[s], 2);
  return crc16(crc, transitions, 4);
}

// One unit: the three parts, each seeded by the CRC so far.
uint32_t run(uint32_t n) {
  uint16_t crc = 0;
  uint32_t acc = 0;
  for (uint32_t u = 0; u < n; ++u) {
    uint32_t seed = 0x1234567u ^ (uint32_t)crc << 8 ^ u;
    crc = list_work(crc, seed | 1);
    crc = matrix_work(crc, seed * 0x9e3779b9u | 1);
    crc = state_work(crc, seed * 0x85ebca6bu | 1);
    acc = rotl32(acc, 1) ^ crc;
  }
  return acc;
}
