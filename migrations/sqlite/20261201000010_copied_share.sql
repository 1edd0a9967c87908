-- What the desk shows of 雷同: the largest share (per cent) of a section's wording repeated
-- from the unit's report of the year before; counted with the other standing figures.
alter table report add column copied integer;
