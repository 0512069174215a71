// Names the README's snippets take as given.
#pragma once
struct event;
extern std::vector<event> events;
template <class Event>
void forward(const Event&);
