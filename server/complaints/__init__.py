"""Public complaints (群众举报投诉): recording, the unit's investigation, the return visit,
their indicators, and ratings by the people served."""
