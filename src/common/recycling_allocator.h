// RecyclingAllocator: an allocator for objects made once per request (with std::allocate_shared)
// that keeps freed blocks in a per-thread list, per type, for the next request. Those objects
// are over 1 KB, past malloc's per-thread cache (and it keeps only 7 blocks of a size, while a
// network thread has dozens of requests under way), so each one took malloc's slow path (bins,
// consolidation) to be made and freed. A block freed on another thread goes to that thread's
// list. Any thread; header-only, std only.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

namespace berth {

template <typename T>
class RecyclingAllocator {
 public:
  using value_type = T;

  RecyclingAllocator() = default;
  template <typename U>
  RecyclingAllocator(const RecyclingAllocator<U>&) {}  // NOLINT: rebinding, as allocators do

  T* allocate(std::size_t n) {
    std::vector<T*>* free = FreeList();
    if (n != 1 || free == nullptr || free->empty()) return std::allocator<T>().allocate(n);
    T* block = free->back();
    free->pop_back();
    return block;
  }

  void deallocate(T* block, std::size_t n) {
    std::vector<T*>* free = FreeList();
    if (n == 1 && free != nullptr && free->size() < kKeptBlocks) {
      free->push_back(block);
      return;
    }
    std::allocator<T>().deallocate(block, n);
  }

  template <typename U>
  bool operator==(const RecyclingAllocator<U>&) const {
    return true;
  }

 private:
  // Blocks kept per thread and type: more than a network thread has requests under way at once
  // in the benchmarks (64 to 512 connections over two threads).
  static constexpr std::size_t kKeptBlocks = 1024;

  // The calling thread's list; null while the thread exits (blocks freed then go to malloc).
  static std::vector<T*>* FreeList() {
    struct List {
      ~List() {
        gone = true;
        for (T* block : blocks) std::allocator<T>().deallocate(block, 1);
      }
      std::vector<T*> blocks;
    };
    thread_local List list;
    return gone ? nullptr : &list.blocks;
  }
  static inline thread_local bool gone = false;
};

}  // namespace berth
