"""Getting articles in and finding paragraphs again: parse, clean, chunk, embed, store, keywords, retrieve."""
