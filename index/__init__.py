"""Getting articles in and finding paragraphs again: parse, clean, chunk, embed, store, keyword index, fuse, retrieve."""
