//! A task's name in one pointer.
//!
//! Every record has room for a name, and most tasks have none: a `Box<str>` spends 16 bytes
//! of every record on it (pointer and length). This keeps the length in the allocation,
//! before the bytes, so the record holds 8 bytes, and `Option<TaskName>` too (the pointer is
//! never null). Measured: 8 of the record's bytes per task, named or not.

use std::alloc::{self, Layout};
use std::ptr::NonNull;

/// An immutable UTF-8 name: `[len: usize][bytes]` in one allocation.
pub(crate) struct TaskName(NonNull<u8>);

// SAFETY: the allocation is owned by the value and never written after `new`; sharing `&str`s
// into it across threads is what `Box<str>` allows too.
unsafe impl Send for TaskName {}
// SAFETY: as above.
unsafe impl Sync for TaskName {}

const HEADER: usize = std::mem::size_of::<usize>();

fn layout(len: usize) -> Layout {
    Layout::from_size_align(HEADER + len, std::mem::align_of::<usize>())
        .expect("a task name shorter than isize::MAX")
}

impl TaskName {
    pub(crate) fn new(name: &str) -> TaskName {
        let layout = layout(name.len());
        // SAFETY: the layout's size is at least `HEADER`, never zero.
        let raw = unsafe { alloc::alloc(layout) };
        let Some(ptr) = NonNull::new(raw) else {
            alloc::handle_alloc_error(layout)
        };
        // SAFETY: the allocation is `HEADER + len` bytes, aligned for `usize`: the length goes
        // at its start, the bytes right after, without overlap with `name`.
        unsafe {
            ptr.as_ptr().cast::<usize>().write(name.len());
            std::ptr::copy_nonoverlapping(name.as_ptr(), ptr.as_ptr().add(HEADER), name.len());
        }
        TaskName(ptr)
    }

    fn len(&self) -> usize {
        // SAFETY: `new` wrote the length at the start of the allocation, which lives as long
        // as `self`.
        unsafe { self.0.as_ptr().cast::<usize>().read() }
    }

    pub(crate) fn as_str(&self) -> &str {
        // SAFETY: `new` copied `len` bytes of valid UTF-8 right after the header; the borrow
        // cannot outlive `self`, which owns them.
        unsafe {
            let bytes = std::slice::from_raw_parts(self.0.as_ptr().add(HEADER), self.len());
            std::str::from_utf8_unchecked(bytes)
        }
    }
}

impl Drop for TaskName {
    fn drop(&mut self) {
        let layout = layout(self.len());
        // SAFETY: allocated in `new` with this very layout (same length), freed once.
        unsafe { alloc::dealloc(self.0.as_ptr(), layout) };
    }
}

impl std::fmt::Debug for TaskName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.as_str().fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::TaskName;

    #[test]
    fn keeps_the_text_in_one_pointer() {
        for text in ["", "conn-42", "é\u{202e}\n", &"x".repeat(10_000)] {
            assert_eq!(TaskName::new(text).as_str(), text);
        }
        assert_eq!(std::mem::size_of::<Option<TaskName>>(), 8);
    }
}
